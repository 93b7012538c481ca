import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../support/files/dirs.ts';
import { AGENT_BIN } from '../support/juju/agent-process.ts';
import { recordDrill, recordRun } from '../../src/state/schedule-state.ts';
import { chainBase, writeBase, writeSegment } from '../delta/window-fixture.ts';

// `etcd-agent metrics` as a textfile collector job runs it, its output byte for byte (final newline kept).
const metrics = (dir: string, extra: string[] = []) =>
  execa(AGENT_BIN, ['metrics', '--snapshot-dir', dir, '--etcd-endpoints', 'http://127.0.0.1:2379', ...extra], { reject: false, all: true, stripFinalNewline: false, env: { NODE_OPTIONS: '' } });

// The sample lines of a text-format scrape (no comments), in order.
const samples = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

const promtoolCheck = (text: string) => execa('promtool', ['check', 'metrics'], { input: text, reject: false, all: true });

t.test('a unit with no runs yet: counters at 0, no made-up timestamps, scheduler down; promtool accepts it', async (t) => {
  const dir = await tempDir(t, 'metrics-empty');
  const result = await metrics(dir, ['--snapshot-schedule', '0 */6 * * *']);
  t.equal(result.exitCode, 0, result.all);
  t.strictSame(samples(result.stdout), [
    'etcd_agent_snapshots_total{result="ok"} 0',
    'etcd_agent_snapshots_total{result="failed"} 0',
    'etcd_agent_snapshots_total{result="interrupted"} 0',
    'etcd_agent_snapshots_total{result="skipped"} 0',
    'etcd_agent_upload_failures_total 0',
    'etcd_agent_drill_failures_total 0',
    'etcd_agent_snapshots_kept{location="local"} 0',
    'etcd_agent_snapshot_schedule_period_seconds 21600',
    'etcd_agent_scheduler_up 0',
  ]);
  const check = await promtoolCheck(result.stdout);
  t.equal(check.exitCode, 0, check.all);
  t.equal(check.all, '');
});

t.test('every value comes from the state file: runs, a failure, uploads and drills; promtool accepts it', async (t) => {
  const dir = await tempDir(t, 'metrics-state');
  const ok = (started: string, finished: string, extra = {}) => ({ started, finished, outcome: 'ok' as const, archive: join(dir, 'x'), revision: 41, bytes: 2048, diskBytes: 4096, removed: [], ...extra });
  await recordRun(dir, ok('2026-12-01T10:00:00.000Z', '2026-12-01T10:00:02.500Z', { upload: 'ok', remoteKept: 3 }));
  await recordRun(dir, { started: '2026-12-01T11:00:00.000Z', finished: '2026-12-01T11:00:09.000Z', outcome: 'failed', error: 'upload failed', upload: 'failed' });
  await recordRun(dir, ok('2026-12-01T12:00:00.000Z', '2026-12-01T12:00:40.000Z', { revision: 57, bytes: 3000, upload: 'ok', remoteKept: 4 }));
  await recordRun(dir, ok('2026-12-01T12:30:00.000Z', '2026-12-01T12:30:03.000Z', { catchUp: true, revision: 58, bytes: 3100, upload: 'ok', remoteKept: 4 }));
  await recordRun(dir, { started: '2026-12-01T13:00:00.000Z', finished: '2026-12-01T13:00:00.100Z', outcome: 'skipped', reason: 'a restore held the unit lock' });
  await recordDrill(dir, { finished: '2026-12-01T12:05:00.000Z', outcome: 'ok', seconds: 3 });
  await recordDrill(dir, { finished: '2026-12-01T12:35:00.000Z', outcome: 'failed', reason: 'etcd did not start' });
  for (const name of ['etcd-snapshot-2026-12-01-10.00.00.tar.gz', 'etcd-snapshot-2026-12-01-12.00.00.tar.zst', 'etcd-snapshot-2026-12-01-12.30.00.tar.gz.age', 'etcd-snapshot-2026-12-01-12.30.00.tar.gz.age.sha256', 'notes.txt']) {
    await writeFile(join(dir, name), 'x');
  }
  // The state of a scheduler that is alive (this test's own pid) and of an off-unit store.
  const state = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, '.etcd-agent-schedule.json'), 'utf8'));
  await writeFile(join(dir, '.etcd-agent-schedule.json'), JSON.stringify({ ...state, pid: process.pid }));
  const s3 = ['--s3-bucket', 'backups', '--s3-endpoint', 'http://127.0.0.1:9', '--s3-access-key', 'AKIAEXAMPLE', '--s3-secret-key', 'not-printed-anywhere', '--s3-allow-unencrypted'];
  const result = await metrics(dir, ['--snapshot-schedule', '*/30 * * * *', ...s3]);
  t.equal(result.exitCode, 0, result.all);
  t.strictSame(samples(result.stdout), [
    `etcd_agent_snapshot_last_success_timestamp_seconds ${Date.parse('2026-12-01T12:30:03.000Z') / 1000}`,
    `etcd_agent_snapshot_last_failure_timestamp_seconds ${Date.parse('2026-12-01T11:00:09.000Z') / 1000}`,
    'etcd_agent_snapshot_duration_seconds_bucket{le="1",trigger="scheduled"} 0',
    'etcd_agent_snapshot_duration_seconds_bucket{le="5",trigger="scheduled"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="15",trigger="scheduled"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="30",trigger="scheduled"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="60",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="120",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="300",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="600",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="1800",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="3600",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="+Inf",trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_sum{trigger="scheduled"} 42.5',
    'etcd_agent_snapshot_duration_seconds_count{trigger="scheduled"} 2',
    'etcd_agent_snapshot_duration_seconds_bucket{le="1",trigger="catch-up"} 0',
    'etcd_agent_snapshot_duration_seconds_bucket{le="5",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="15",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="30",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="60",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="120",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="300",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="600",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="1800",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="3600",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_bucket{le="+Inf",trigger="catch-up"} 1',
    'etcd_agent_snapshot_duration_seconds_sum{trigger="catch-up"} 3',
    'etcd_agent_snapshot_duration_seconds_count{trigger="catch-up"} 1',
    'etcd_agent_snapshot_size_bytes 3100',
    'etcd_agent_snapshot_revision 58',
    'etcd_agent_snapshots_total{result="ok"} 3',
    'etcd_agent_snapshots_total{result="failed"} 1',
    'etcd_agent_snapshots_total{result="interrupted"} 0',
    'etcd_agent_snapshots_total{result="skipped"} 1',
    'etcd_agent_upload_failures_total 1',
    `etcd_agent_upload_last_success_timestamp_seconds ${Date.parse('2026-12-01T12:30:03.000Z') / 1000}`,
    `etcd_agent_upload_last_failure_timestamp_seconds ${Date.parse('2026-12-01T11:00:09.000Z') / 1000}`,
    `etcd_agent_drill_last_success_timestamp_seconds ${Date.parse('2026-12-01T12:05:00.000Z') / 1000}`,
    `etcd_agent_drill_last_failure_timestamp_seconds ${Date.parse('2026-12-01T12:35:00.000Z') / 1000}`,
    'etcd_agent_drill_failures_total 1',
    'etcd_agent_snapshots_kept{location="local"} 3',
    'etcd_agent_snapshots_kept{location="s3"} 4',
    'etcd_agent_snapshot_schedule_period_seconds 1800',
    'etcd_agent_scheduler_up 1',
  ]);
  t.notMatch(result.all, /not-printed-anywhere|AKIAEXAMPLE|backups/, 'no credential, bucket or path in any label or line');
  t.notMatch(result.stdout, new RegExp(dir), 'no path in the output');
  const check = await promtoolCheck(result.stdout);
  t.equal(check.exitCode, 0, check.all);
  t.equal(check.all, '');
});

t.test('a bad metrics-address is a usage error naming the option and the value as given', async (t) => {
  const dir = await tempDir(t, 'metrics-bad');
  for (const [value, why] of [
    ['9494', 'must be host:port such as 0.0.0.0:9494 or [::]:9494, or empty to turn the metrics endpoint off'],
    ['0.0.0.0:70000', 'has a port outside 1-65535'],
    ['http://0.0.0.0:9494', 'must be host:port such as 0.0.0.0:9494 or [::]:9494, or empty to turn the metrics endpoint off'],
  ] as const) {
    const result = await metrics(dir, ['--metrics-address', value]);
    t.equal(result.exitCode, 2, value);
    t.equal(result.stderr, `error: invalid --metrics-address ${value}: ${why}\n`, value);
    t.equal(result.stdout, '', value);
  }
});

t.test('the recoverable age: now minus the window\'s newest point with capture on; absent without a capture status or with capture off', async (t) => {
  const dir = await tempDir(t, 'metrics-recoverable');
  const base = chainBase('2026-11-30-16.00.00', 300);
  await writeBase(dir, base);
  await writeSegment(dir, base, 301, 340);
  const age = (text: string): number | undefined => {
    const line = samples(text).find((l) => l.startsWith('etcd_agent_recoverable_age_seconds '));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const off = await metrics(dir, ['--snapshot-schedule', '0 */6 * * *']);
  t.equal(off.exitCode, 0, off.all);
  t.equal(age(off.stdout), undefined, 'no capture status: no series');
  const coveredAt = '2026-11-30T16:05:00.000Z';
  const capture = { state: 'running', base: base.name, coveredRevision: 340, coveredAt, gaps: [], intervalSeconds: 10 };
  await writeFile(join(dir, '.etcd-agent-schedule.json'), JSON.stringify({ capture }));
  const before = Date.now();
  const on = await metrics(dir, ['--snapshot-schedule', '0 */6 * * *']);
  const after = Date.now();
  t.equal(on.exitCode, 0, on.all);
  const value = age(on.stdout)!;
  t.ok(value >= (before - Date.parse(coveredAt)) / 1000 && value <= (after - Date.parse(coveredAt)) / 1000, `${value} is now minus ${coveredAt}`);
  t.match(on.stdout, '# HELP etcd_agent_recoverable_age_seconds Seconds since the newest point the cluster can be restored to (point-in-time capture); absent when capture is off.\n# TYPE etcd_agent_recoverable_age_seconds gauge\n');
  const check = await promtoolCheck(on.stdout);
  t.equal(check.exitCode, 0, check.all);
  const disabled = await metrics(dir, ['--snapshot-schedule', '0 */6 * * *', '--delta-interval', '0']);
  t.equal(disabled.exitCode, 0, disabled.all);
  t.equal(age(disabled.stdout), undefined, 'delta-interval 0: no series');
});
