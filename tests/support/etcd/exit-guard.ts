import { readFileSync, rmSync } from 'node:fs';

const pids = new Set<number>();
const pidFiles = new Set<string>();
const dirs = new Set<string>();
let installed = false;

const killQuietly = (pid: number): void => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

const onExit = (): void => {
  for (const pid of pids) killQuietly(pid);
  for (const file of pidFiles) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 1) killQuietly(pid);
    } catch {
      // no pid file: nothing running
    }
  }
  if (process.env['ETCD_HARNESS_KEEP'] === '1') return;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
};

const install = (): void => {
  if (installed) return;
  installed = true;
  process.once('exit', onExit);
};

// Kills this pid with SIGKILL if the test process exits while it still runs.
export const guardPid = (pid: number): void => {
  install();
  pids.add(pid);
};

// Forgets a pid once its process has exited.
export const releasePid = (pid: number): void => {
  pids.delete(pid);
};

// Kills whatever pid this file names when the test process exits (for processes started by the systemctl stand-in).
export const guardPidFile = (file: string): void => {
  install();
  pidFiles.add(file);
};

// Removes this directory when the test process exits, unless released first or ETCD_HARNESS_KEEP=1.
export const guardDir = (dir: string): void => {
  install();
  dirs.add(dir);
};

// Forgets a directory that was already removed.
export const releaseDir = (dir: string): void => {
  dirs.delete(dir);
};
