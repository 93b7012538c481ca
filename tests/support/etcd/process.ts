import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cleanEtcdEnv } from './ctl.ts';
import { guardPid, releasePid } from './exit-guard.ts';

const SETPRIV = '/usr/bin/setpriv';

// A running etcd owned by the test process.
export interface EtcdProcess {
  pid: number;
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM, SIGKILL after timeoutMs; resolves once exited. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL; resolves once exited. */
  kill(): Promise<void>;
}

// Spawns command with stdout/stderr appended to logFile; the kernel kills it if the test process dies.
export const spawnEtcd = (command: string[], logFile: string): EtcdProcess => {
  appendFileSync(logFile, `--- harness start ${new Date().toISOString()}: ${command.join(' ')}\n`);
  const argv = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...command] : command;
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty etcd command');
  const fd = openSync(logFile, 'a');
  const child = (() => {
    try {
      return spawn(file, args, { stdio: ['ignore', fd, fd], env: cleanEtcdEnv() });
    } finally {
      closeSync(fd);
    }
  })();
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      if (child.pid !== undefined) releasePid(child.pid);
      resolve();
    };
    child.once('exit', finish);
    child.once('error', finish);
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${file}`);
  const pid = child.pid;
  guardPid(pid);
  const stop = async (timeoutMs = 10_000): Promise<void> => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (done) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { pid, exited, hasExited: () => done, stop, kill };
};

// The last lines of a log file, for error messages.
export const logTail = async (logFile: string, lines = 30): Promise<string> => {
  try {
    return (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};
