import { existsSync, rmSync } from 'node:fs';
import { SystemctlExit, alive, killCallerIf, loadUnit, pidFileOf, readPid, signalUnit, unitPath, waitGone } from './sim-units.ts';

// systemctl stop: SIGTERM, wait up to stopTimeoutMs, then SIGKILL; <unit>.fail-stop makes it fail.
export const stopUnit = async (unit: string): Promise<void> => {
  const def = loadUnit(unit);
  if (def === undefined) throw new SystemctlExit(5, `Failed to stop ${unit}.service: Unit ${unit}.service not loaded.`);
  if (existsSync(unitPath(unit, '.fail-stop'))) {
    throw new SystemctlExit(1, `Job for ${unit}.service failed because the control process exited with error code (fail-stop switch).`);
  }
  const pidFile = pidFileOf(unit, def);
  const pid = readPid(pidFile);
  if (pid !== undefined && alive(pid)) {
    signalUnit(pid, 'SIGTERM');
    if (!(await waitGone(pid, def.stopTimeoutMs ?? 10_000))) {
      signalUnit(pid, 'SIGKILL');
      await waitGone(pid, 2_000);
    }
  }
  rmSync(pidFile, { force: true });
  killCallerIf(unit, '.kill-caller-after-stop');
};
