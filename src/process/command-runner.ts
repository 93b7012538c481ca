// The only seam through which the agent starts a process.

// What to run a command with; never a shell, always an argument array.
export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs: number;
  // Stops the command (SIGTERM) when aborted.
  signal?: AbortSignal;
}

// What a finished command returned.
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// Starts processes; rejects with CommandError when the command fails, times out or is missing.
export interface CommandRunner {
  run(file: string, args: readonly string[], options: RunOptions): Promise<CommandResult>;
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
