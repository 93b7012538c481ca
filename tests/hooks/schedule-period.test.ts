// The schedule's period update-status keeps in the state dir: computed once, used until the first of the runs it was
// computed from has passed, computed again for another schedule, time zone or runtime; a state dir it cannot write is
// only slower.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { PERIOD_FILE, schedulePeriod } from '../../src/hooks/schedule-period.ts';
import { createLogger } from '../../src/log/logger.ts';
import { nextRuns, schedulePeriodMs } from '../../src/policy/cron.ts';

const HOUR = 3_600_000;

// A fresh directory, removed after the test.
const scratch = async (t: Test): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-agent-schedule-period-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

const recordingLog = () => {
  const lines: string[] = [];
  return { lines, log: createLogger(async (level, message) => void lines.push(`${level}: ${message}`)) };
};

const kept = async (dir: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(dir, PERIOD_FILE), 'utf8')) as Record<string, unknown>;

// Replaces the kept period by a value no schedule has, so a later answer shows whether the file was used.
const mark = async (dir: string, periodMs: number): Promise<void> => {
  await writeFile(join(dir, PERIOD_FILE), JSON.stringify({ ...(await kept(dir)), periodMs }));
};

t.test('computed once and kept with the schedule it is of, until its first run', async (t) => {
  const dir = join(await scratch(t), 'state');
  const { log } = recordingLog();
  const now = new Date();
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'UTC', now, log), 6 * HOUR, 'the state dir is made on the way');
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'UTC', now, log), schedulePeriodMs('0 */6 * * *', 'UTC', now), 'the same as computing it');
  const first = nextRuns('0 */6 * * *', 'UTC', now)[0]!;
  t.strictSame(await kept(dir), { expression: '0 */6 * * *', timezone: 'UTC', node: process.version, computedAt: now.getTime(), firstRun: first.getTime(), periodMs: 6 * HOUR });

  await mark(dir, 12_345);
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'UTC', new Date(first.getTime() - 1), log), 12_345, 'kept while the first run has not come');
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'UTC', new Date(now.getTime() - 1), log), 6 * HOUR, 'a clock before it was computed computes it again');
  await mark(dir, 12_345);
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'Europe/Berlin', now, log), 6 * HOUR, 'another time zone');
  await mark(dir, 12_345);
  t.equal(await schedulePeriod(dir, '*/30 * * * *', 'Europe/Berlin', now, log), HOUR / 2, 'another schedule');
  t.equal((await kept(dir)).expression, '*/30 * * * *', 'the new one is kept');
});

t.test('computed again once its first run has passed', async (t) => {
  const dir = await scratch(t);
  const { log } = recordingLog();
  const now = new Date();
  await schedulePeriod(dir, '*/20 * * * *', 'UTC', now, log);
  const { firstRun } = await kept(dir);
  await mark(dir, 12_345);
  t.equal(await schedulePeriod(dir, '*/20 * * * *', 'UTC', new Date(firstRun as number), log), 20 * 60_000);
  t.equal((await kept(dir)).periodMs, 20 * 60_000);
});

t.test('another runtime computes it again (its time zone data may differ)', async (t) => {
  const dir = await scratch(t);
  const { log } = recordingLog();
  const now = new Date();
  await schedulePeriod(dir, '0 */6 * * *', 'UTC', now, log);
  await writeFile(join(dir, PERIOD_FILE), JSON.stringify({ ...(await kept(dir)), node: 'v0.0.0', periodMs: 12_345 }));
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'UTC', now, log), 6 * HOUR);
});

t.test('a damaged file, or a state dir that cannot be written, is only slower', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, PERIOD_FILE), '{not json');
  await writeFile(join(dir, 'blocked'), 'a file where the state dir should be');
  const { lines, log } = recordingLog();
  const now = new Date();
  t.equal(await schedulePeriod(dir, '0 */6 * * *', 'UTC', now, log), 6 * HOUR);
  t.equal((await kept(dir)).periodMs, 6 * HOUR, 'the damaged file is replaced');
  t.equal(await schedulePeriod(join(dir, 'blocked'), '0 */6 * * *', 'UTC', now, log), 6 * HOUR);
  await log.flush();
  t.strictSame(lines, [`DEBUG: the schedule's period is not kept in ${join(dir, 'blocked')}: EEXIST: file already exists, mkdir '${join(dir, 'blocked')}'`]);
});
