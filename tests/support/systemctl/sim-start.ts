import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { tcpOpen } from '../net/tcp-open.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemctlExit, alive, killCallerIf, loadUnit, pidFileOf, signalUnit, unitPath, unitState, waitGone, type UnitDef } from './sim-units.ts';

const unitEnv = (def: UnitDef): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  ...def.env,
});

// host:port accepts connections.
const hostPortOpen = (hostPort: string): Promise<boolean> => {
  const at = hostPort.lastIndexOf(':');
  return tcpOpen(hostPort.slice(0, at), Number(hostPort.slice(at + 1)));
};

const ready = async (def: UnitDef): Promise<boolean> => {
  if (def.readyTcp !== undefined && !(await hostPortOpen(def.readyTcp))) return false;
  const [cmd, ...args] = def.readyCommand ?? [];
  if (cmd === undefined) return true;
  return spawnSync(cmd, args, { env: unitEnv(def), stdio: 'ignore', timeout: 5_000 }).status === 0;
};

const failed = (unit: string, why: string): SystemctlExit =>
  new SystemctlExit(1, `Job for ${unit}.service failed because ${why}.\nSee "${unitPath(unit, '.log')}" for details.`);

const spawnDetached = (unit: string, def: UnitDef): number => {
  const [cmd, ...args] = def.command;
  if (cmd === undefined) throw failed(unit, 'the unit has no command');
  const logFile = unitPath(unit, '.log');
  appendFileSync(logFile, `--- systemctl start ${new Date().toISOString()}: ${def.command.join(' ')}\n`);
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: unitEnv(def), cwd: def.workingDirectory ?? '/' });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw failed(unit, `${cmd} could not be started`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
};

// systemctl start: spawns the unit detached, records its pid, and waits for readiness; <unit>.fail-start makes it fail,
// <unit>.fail-start-once makes only the next start fail (the switch is removed as it fires).
export const startUnit = async (unit: string): Promise<void> => {
  const def = loadUnit(unit);
  if (def === undefined) throw new SystemctlExit(5, `Failed to start ${unit}.service: Unit ${unit}.service not found.`);
  killCallerIf(unit, '.kill-caller-before-start');
  if (existsSync(unitPath(unit, '.fail-start'))) throw failed(unit, 'the control process exited with error code (fail-start switch)');
  if (existsSync(unitPath(unit, '.fail-start-once'))) {
    unlinkSync(unitPath(unit, '.fail-start-once'));
    throw failed(unit, 'the control process exited with error code (fail-start-once switch)');
  }
  if (unitState(unit).state === 'active') return;
  const pid = spawnDetached(unit, def);
  writeFileSync(pidFileOf(unit, def), `${pid}\n`);
  if (def.readyTcp === undefined && def.readyCommand === undefined) {
    await sleep(def.startGraceMs ?? 100);
    if (!alive(pid)) throw failed(unit, 'the service exited right after starting');
    return;
  }
  const deadline = Date.now() + (def.startTimeoutMs ?? 20_000);
  for (;;) {
    if (!alive(pid)) throw failed(unit, 'the service exited before becoming ready');
    if ((await ready(def)) && alive(pid)) return;
    if (Date.now() > deadline) {
      signalUnit(pid, 'SIGKILL');
      await waitGone(pid, 2_000);
      throw failed(unit, 'a timeout was exceeded');
    }
    await sleep(20);
  }
};
