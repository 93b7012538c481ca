import { UsageError } from '../errors/agent-error.ts';
import { jujuNaming, type Naming } from '../config/naming.ts';
import type { PointTarget } from '../delta/chains.ts';

// The point a restore or verify replays to, as src/delta/chains.ts plans with it.
export type { PointTarget } from '../delta/chains.ts';

// RFC 3339 in UTC: 2026-12-01T14:31:00Z, optionally with fractional seconds (kept to the millisecond, rounded down,
// which is exact for event times: they are recorded in milliseconds).
const RFC3339_UTC = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?[Zz]$/;

// The rule a to-time value must follow, as messages say it.
export const TO_TIME_RULE = 'must be an RFC 3339 time in UTC such as 2026-12-01T14:31:00Z (fractional seconds allowed, the offset written Z)';

// The moment an RFC 3339 UTC string names, or undefined when it is not one (including impossible dates like 02-30).
export const parseUtcTime = (value: string): Date | undefined => {
  const match = RFC3339_UTC.exec(value.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  const same = time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day
    && time.getUTCHours() === hour && time.getUTCMinutes() === minute && time.getUTCSeconds() === second;
  return same ? time : undefined;
};

// The point the params to-time / to-revision name (validated already by the action's schema and formats), or
// undefined when neither is given: the snapshot itself is restored, as before.
export const pointTarget = (params: Record<string, unknown>, naming: Naming = jujuNaming): PointTarget | undefined => {
  const time = typeof params['to-time'] === 'string' ? params['to-time'].trim() : '';
  const revision = params['to-revision'];
  const hasRevision = revision !== undefined && revision !== null && revision !== '';
  if (time !== '' && hasRevision) {
    throw new UsageError(`${naming.subject('param', 'to-time', params['to-time'])} and ${naming.subject('param', 'to-revision', revision)} were both given: pass at most one of ${naming.name('param', 'to-time')} and ${naming.name('param', 'to-revision')}`);
  }
  if (time !== '') {
    const at = parseUtcTime(time);
    if (!at) throw new UsageError(`invalid ${naming.subject('param', 'to-time', params['to-time'])}: ${TO_TIME_RULE}`);
    return { kind: 'time', time: at, given: time, param: 'to-time' };
  }
  if (!hasRevision) return undefined;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) {
    throw new UsageError(`invalid ${naming.subject('param', 'to-revision', revision)}: must be a whole number of at least 1 (an etcd revision)`);
  }
  return { kind: 'revision', revision, given: String(revision), param: 'to-revision' };
};

// How a target reads in messages and progress lines: `to-time 2026-12-01T14:31:00Z`, `to-revision 4200`.
export const describeTarget = (target: PointTarget): string => `${target.param} ${target.given}`;
