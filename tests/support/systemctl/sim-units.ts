import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// How the stand-in runs a unit: <simDir>/<unit>.json.
export interface UnitDef {
  command: string[];
  env?: Record<string, string>;
  pidFile?: string;
  /** host:port that must accept connections before start returns. */
  readyTcp?: string;
  /** A command that must exit 0 before start returns (like Type=notify). */
  readyCommand?: string[];
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Without a readiness check: how long the process must survive for start to succeed. */
  startGraceMs?: number;
  workingDirectory?: string;
}

// The state systemctl is-active reports.
export type UnitState = 'active' | 'inactive' | 'failed';

// A failure that ends the stand-in with this exit code and message on stderr.
export class SystemctlExit extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

// The directory of unit files, from SYSTEMCTL_SIM_DIR.
export const simDir = (): string => {
  const dir = process.env['SYSTEMCTL_SIM_DIR'];
  if (dir === undefined || dir === '') throw new SystemctlExit(1, 'systemctl stand-in: SYSTEMCTL_SIM_DIR is not set');
  return dir;
};

// <simDir>/<unit><suffix>.
export const unitPath = (unit: string, suffix: string): string => join(simDir(), `${unit}${suffix}`);

// A real systemd unit file's [Service] ExecStart=, Environment= and WorkingDirectory= lines
// (arguments split on spaces; no quoting, as the charm writes none).
export const parseServiceFile = (text: string): UnitDef => {
  const def: UnitDef = { command: [], env: {} };
  for (const line of text.split('\n')) {
    const m = /^(ExecStart|Environment|WorkingDirectory)=(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'ExecStart') def.command = m[2]!.trim().split(/\s+/);
    else if (m[1] === 'WorkingDirectory') def.workingDirectory = m[2]!.trim();
    else for (const pair of m[2]!.trim().split(/\s+/)) def.env![pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  }
  return def;
};

// The unit's definition: <simDir>/<unit>.json, else a systemd unit file <SYSTEMCTL_UNIT_DIR>/<unit>.service
// (where the code under test writes real unit files); undefined when neither exists.
export const loadUnit = (unit: string): UnitDef | undefined => {
  const file = unitPath(unit, '.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as UnitDef;
  const unitDir = process.env['SYSTEMCTL_UNIT_DIR'];
  const service = unitDir ? join(unitDir, `${unit}.service`) : undefined;
  if (service === undefined || !existsSync(service)) return undefined;
  return { ...parseServiceFile(readFileSync(service, 'utf8')), startGraceMs: 300 };
};

// The unit's pid file: its own pidFile or <unit>.pid.
export const pidFileOf = (unit: string, def: UnitDef | undefined): string => def?.pidFile ?? unitPath(unit, '.pid');

// The pid recorded in a pid file.
export const readPid = (pidFile: string): number | undefined => {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
};

// True when pid runs and is not a zombie (an orphan nobody has reaped yet still shows in /proc as Z).
export const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
};

// Sends sig to pid's process group (the unit's whole process tree, like systemd's cgroup), else to pid.
export const signalUnit = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
};

// Waits up to ms for pid to die; true if it did.
export const waitGone = async (pid: number, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
};

// active, failed (its process died without systemctl stop), or inactive; with the running pid.
export const unitState = (unit: string): { state: UnitState; pid?: number } => {
  const pid = readPid(pidFileOf(unit, loadUnit(unit)));
  if (alive(pid)) return pid === undefined ? { state: 'active' } : { state: 'active', pid };
  return { state: pid === undefined ? 'inactive' : 'failed' };
};

// The process group of pid (field 5 of /proc/<pid>/stat), or undefined.
const processGroup = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(group) && group > 1 ? group : undefined;
  } catch {
    return undefined;
  }
};

// Fault injection: when the switch <unit><suffix> exists, removes it and SIGKILLs the caller's whole process group
// (the agent, as an OOM kill or a reboot would), this stand-in included. Only for a caller that leads a group of its
// own (a test starts it detached), never the test runner's.
export const killCallerIf = (unit: string, suffix: string): void => {
  const file = unitPath(unit, suffix);
  if (!existsSync(file)) return;
  rmSync(file, { force: true });
  const group = processGroup(process.ppid);
  if (group === undefined || group !== process.ppid) return;
  appendFileSync(join(simDir(), 'calls.log'), `(killed the caller's process group ${group})\n`);
  process.kill(-group, 'SIGKILL');
};
