import cron from 'node-cron';
import { UsageError } from '../errors/agent-error.ts';
import { jujuNaming, type Naming } from '../config/naming.ts';

// Refuses a schedule node-cron cannot run, naming the option and the value the way the surface does.
export const validateSchedule = (expression: string, timezone: string, option = 'snapshot-schedule', naming: Naming = jujuNaming): void => {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new UsageError(`invalid ${naming.subject('option', option, expression)}: a cron expression has five fields (minute hour day month weekday), or six with seconds first, e.g. "0 */6 * * *"`);
  }
  const detail = cron.validateDetailed(expression);
  if (!detail.valid) {
    const why = detail.errors.map((e) => `${e.field}${e.value === undefined ? '' : ` "${e.value}"`}: ${e.message}`).join('; ');
    throw new UsageError(`invalid ${naming.subject('option', option, expression)}: ${why || 'not a cron expression'}`);
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new UsageError(`invalid ${naming.subject('option', 'snapshot-timezone', timezone)}: not an IANA time zone such as UTC or Europe/Berlin`);
  }
};

// The next few runs of a schedule after from, oldest first.
export const nextRuns = (expression: string, timezone: string, from: Date): Date[] => {
  const task = cron.createTask(expression, () => undefined, { timezone });
  try {
    return task.getNextRuns(4).filter((d) => d.getTime() > from.getTime());
  } finally {
    void task.destroy();
  }
};

// The longest gap between some runs, in milliseconds (0 for fewer than two).
export const longestGap = (runs: Date[]): number => {
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return longest;
};

// The longest gap between the next few runs of a schedule, in milliseconds.
export const schedulePeriodMs = (expression: string, timezone: string, from: Date): number => longestGap(nextRuns(expression, timezone, from));
