import { CommandError, type CommandResult, type CommandRunner, type FilterOptions, type ProcessExit, type RunOptions, type RunningProcess, type StartOptions } from '../../src/process/command-runner.ts';

// Which command a rule answers: an exact file and an argv prefix, or a predicate.
export type ArgvMatcher = { file: string; args?: readonly string[] } | ((file: string, args: readonly string[]) => boolean);

// What a matched command returns: stdout (exit 0), a whole result, a CommandError to reject with, or a function of the call.
export type RunAnswer = string | CommandResult | CommandError | ((file: string, args: readonly string[], options: RunOptions) => CommandResult | Promise<CommandResult>);

// How a scripted started process behaves.
export interface ProcessScript {
  pid?: number;
  // What it wrote on stdout and stderr.
  output?: string;
  // It exits on its own at once with this; without it, it runs until stop().
  exit?: Partial<ProcessExit>;
}

// One row of the run() table: a matcher and its answer.
export interface RunRule {
  match: ArgvMatcher;
  answer: RunAnswer;
}

// One row of the start() table: a matcher and how the process it starts behaves.
export interface StartRule {
  match: ArgvMatcher;
  script: ProcessScript;
}

// A call the fake saw.
export interface RunnerCall {
  kind: 'run' | 'start' | 'filter';
  file: string;
  args: string[];
  options: RunOptions | StartOptions | FilterOptions;
}

// A CommandRunner driven by a table of argv → answer; records every call; an unmatched command fails loudly.
export interface FakeRunner extends CommandRunner {
  readonly calls: RunnerCall[];
  readonly rules: RunRule[];
  readonly starts: StartRule[];
  // The processes start() returned, in order.
  readonly processes: FakeProcess[];
}

// A RunningProcess a test can end: exit() makes it exit as if on its own.
export interface FakeProcess extends RunningProcess {
  exit(how?: Partial<ProcessExit>): void;
  readonly stopped: boolean;
}

const matches = (matcher: ArgvMatcher, file: string, args: readonly string[]): boolean =>
  typeof matcher === 'function' ? matcher(file, args) : matcher.file === file && (matcher.args ?? []).every((arg, i) => args[i] === arg);

// The CommandError a command that exited non-zero rejects with, shaped as the real runner builds it.
export const commandFailed = (file: string, args: readonly string[], exitCode: number, stderr: string): CommandError =>
  new CommandError({ command: [file, ...args].join(' '), exitCode, stderr, shortMessage: `Command failed with exit code ${exitCode}: ${[file, ...args].join(' ')}` });

// A scripted RunningProcess.
export const fakeProcess = (script: ProcessScript = {}): FakeProcess => {
  let done: ProcessExit | undefined;
  let stopped = false;
  let resolve!: (exit: ProcessExit) => void;
  const exited = new Promise<ProcessExit>((r) => (resolve = r));
  const exit = (how: Partial<ProcessExit> = {}): void => {
    if (done) return;
    done = { exitCode: undefined, signal: undefined, notFound: false, message: 'exited', ...how };
    resolve(done);
  };
  if (script.exit) exit(script.exit);
  return {
    pid: script.pid ?? 4242,
    exited,
    hasExited: () => done !== undefined,
    output: () => script.output ?? '',
    exit,
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      exit({ signal: 'SIGTERM', message: 'was killed with SIGTERM' });
      return exited;
    },
  };
};

// A fake runner over the given tables (which a test may extend between calls).
export const fakeRunner = (rules: RunRule[] = [], starts: StartRule[] = []): FakeRunner => {
  const calls: RunnerCall[] = [];
  const processes: FakeProcess[] = [];
  return {
    calls, rules, starts, processes,
    async run(file, args, options) {
      calls.push({ kind: 'run', file, args: [...args], options });
      const rule = rules.find((r) => matches(r.match, file, args));
      if (!rule) throw new Error(`fake runner: no rule for ${[file, ...args].join(' ')}`);
      const { answer } = rule;
      if (answer instanceof CommandError) throw answer;
      if (typeof answer === 'string') return { stdout: answer, stderr: '', exitCode: 0 };
      if (typeof answer === 'function') return answer(file, args, options);
      return answer;
    },
    async start(file, args, options) {
      calls.push({ kind: 'start', file, args: [...args], options });
      const rule = starts.find((r) => matches(r.match, file, args));
      if (!rule) throw new Error(`fake runner: no start rule for ${[file, ...args].join(' ')}`);
      const proc = fakeProcess(rule.script);
      processes.push(proc);
      return proc;
    },
    // A stream stage has no table: tests that need one run a real program through execaRunner.
    filter(file, args, options) {
      calls.push({ kind: 'filter', file, args: [...args], options });
      throw new Error(`fake runner: no filter for ${[file, ...args].join(' ')}`);
    },
  };
};
