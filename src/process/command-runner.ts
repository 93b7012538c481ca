import type { Duplex } from 'node:stream';

// The only seam through which the agent starts a process.

// What to run a command with; never a shell, always an argument array.
export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs: number;
  // Stops the command (SIGTERM) when aborted.
  signal?: AbortSignal;
  // An open file descriptor the command gets as its fd 3 (flock(1) locks it for the agent).
  fd3?: number;
  // Variables of the agent's environment the command must not inherit, by prefix (ETCDCTL_ for etcdctl).
  dropEnv?: readonly string[];
}

// What a finished command returned.
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// How to start a long-running process; never a shell.
export interface StartOptions {
  // Added to the agent's environment; an undefined value removes that variable.
  env?: Record<string, string | undefined>;
  cwd?: string;
  // Have the kernel kill it (SIGKILL) if the agent dies without stopping it (Linux, via setpriv).
  dieWithParent?: boolean;
  // Variables of the agent's environment it must not inherit, by prefix (ETCD_ for a throwaway etcd).
  dropEnv?: readonly string[];
}

// How a started process ended.
export interface ProcessExit {
  exitCode: number | undefined;
  signal: string | undefined;
  // The program does not exist or is not executable.
  notFound: boolean;
  message: string;
}

// A process started with CommandRunner.start(); whoever starts it stops it.
export interface RunningProcess {
  readonly pid: number | undefined;
  // Resolves (never rejects) once the process has exited.
  readonly exited: Promise<ProcessExit>;
  hasExited(): boolean;
  // The last lines it wrote on stdout and stderr.
  output(): string;
  // SIGTERM, then SIGKILL after graceMs; resolves once it has exited.
  stop(graceMs?: number): Promise<ProcessExit>;
}

// How to run a program as a stream stage; never a shell.
export interface FilterOptions {
  // Stops the program (SIGTERM) when aborted; the stream then fails.
  signal?: AbortSignal;
  // An open file descriptor the program writes its stdout to, instead of a pipe the stream reads: the output never
  // passes through the agent, and the stream's readable side gives nothing.
  stdoutFd?: number;
}

// Starts processes; run() rejects with CommandError when the command fails, times out or is missing.
export interface CommandRunner {
  run(file: string, args: readonly string[], options: RunOptions): Promise<CommandResult>;
  // Starts a long-running process (a server) and returns at once.
  start(file: string, args: readonly string[], options: StartOptions): Promise<RunningProcess>;
  // A program as a stream stage: what is written goes to its stdin, what it writes on stdout is read. The stream
  // ends only once the program has exited 0; otherwise it fails with CommandError (with the program's stderr).
  // Destroying the stream stops the program. A write's callback fires once the program's pipe has taken the
  // chunk, so a writer may then reuse the chunk's memory.
  filter(file: string, args: readonly string[], options: FilterOptions): Duplex;
}

// Why a command failed, with everything an operator or a log needs.
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly stdout: string;
  readonly timedOut: boolean;
  readonly notFound: boolean;
  readonly canceled: boolean;

  constructor(details: {
    command: string;
    exitCode?: number | undefined;
    stderr?: string;
    stdout?: string;
    timedOut?: boolean;
    notFound?: boolean;
    canceled?: boolean;
    shortMessage: string;
    cause?: unknown;
  }) {
    super(details.shortMessage, { cause: details.cause });
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr ?? '';
    this.stdout = details.stdout ?? '';
    this.timedOut = details.timedOut ?? false;
    this.notFound = details.notFound ?? false;
    this.canceled = details.canceled ?? false;
  }

  // The last meaningful line the command wrote on stderr, or the short message.
  get reason(): string {
    const lines = this.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
    return lines.at(-1) ?? this.message;
  }
}
