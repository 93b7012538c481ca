import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oneLine } from '../errors/agent-error.ts';
import { writeTextAtomically } from '../fs/atomic-file.ts';
import type { Logger } from '../log/logger.ts';

// The file in the agent's state dir that keeps the schedule's period between update-status runs.
export const PERIOD_FILE = 'schedule-period.json';

interface KeptPeriod {
  expression: string;
  timezone: string;
  // The Node runtime whose time zone data computed it.
  node: string;
  computedAt: number;
  // The first of the runs the period was computed from: until then the next runs, so the period, stay the same.
  firstRun: number;
  periodMs: number;
}

const readKept = async (file: string): Promise<Partial<KeptPeriod> | undefined> => {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<KeptPeriod>;
  } catch {
    return undefined;
  }
};

// The schedule's period (policy/cron.ts schedulePeriodMs) for update-status, which runs every five minutes: the next
// runs of a schedule change only once the first of them has passed, so the period is kept in the state dir with the
// schedule, time zone and runtime it is of, and node-cron (with the time zone data it reads: a fifth of the hook)
// loads only when it has to be computed again. A state dir that cannot be written is only slower.
export const schedulePeriod = async (stateDir: string, expression: string, timezone: string, now: Date, log: Logger): Promise<number> => {
  const file = join(stateDir, PERIOD_FILE);
  const kept = await readKept(file);
  const at = now.getTime();
  if (
    kept?.expression === expression &&
    kept.timezone === timezone &&
    kept.node === process.version &&
    typeof kept.periodMs === 'number' &&
    typeof kept.computedAt === 'number' &&
    typeof kept.firstRun === 'number' &&
    kept.computedAt <= at &&
    at < kept.firstRun
  ) {
    return kept.periodMs;
  }
  const { longestGap, nextRuns } = await import('../policy/cron.ts');
  const runs = nextRuns(expression, timezone, now);
  const periodMs = longestGap(runs);
  if (runs[0] !== undefined) {
    const entry: KeptPeriod = { expression, timezone, node: process.version, computedAt: at, firstRun: runs[0].getTime(), periodMs };
    await mkdir(stateDir, { recursive: true })
      .then(() => writeTextAtomically(file, `${JSON.stringify(entry)}\n`, 0o644))
      .catch((error: unknown) => log.debug(`the schedule's period is not kept in ${stateDir}: ${oneLine(error)}`));
  }
  return periodMs;
};
