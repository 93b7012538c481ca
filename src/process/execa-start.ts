import { existsSync } from 'node:fs';
import type { ProcessExit, RunningProcess, StartOptions } from './command-runner.ts';
import { childEnv } from './child-env.ts';

// util-linux's setpriv: sets the parent-death signal, then execs the program (same pid).
const SETPRIV = '/usr/bin/setpriv';
// How much of the process's output is kept for error messages.
const TAIL_CHARS = 16 * 1024;
const DEFAULT_GRACE_MS = 10_000;

// Starts a long-running process with execa (argument array, no shell); keeps only the tail of its output.
export const startWithExeca = async (file: string, args: readonly string[], options: StartOptions): Promise<RunningProcess> => {
  const { execa } = await import('execa');
  const guarded = options.dieWithParent === true && existsSync(SETPRIV);
  const [command, argv] = guarded ? [SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, [...args]];
  const child = execa(command, argv, {
    ...childEnv(options.env, options.dropEnv),
    cwd: options.cwd,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    shell: false,
    cleanup: true,
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited: Promise<ProcessExit> = child.then(
    (result) => {
      done = true;
      const notFound = result.failed && (result.code === 'ENOENT' || result.code === 'EACCES');
      return {
        exitCode: result.exitCode,
        signal: result.signal,
        notFound,
        message: notFound ? `${file} was not found or is not executable` : result.failed ? result.shortMessage ?? 'failed' : 'exited',
      };
    },
    (error: unknown) => {
      done = true;
      return { exitCode: undefined, signal: undefined, notFound: false, message: error instanceof Error ? error.message : String(error) };
    },
  );
  return {
    pid: child.pid,
    exited,
    hasExited: () => done,
    output: () => tail,
    async stop(graceMs = DEFAULT_GRACE_MS) {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
};
