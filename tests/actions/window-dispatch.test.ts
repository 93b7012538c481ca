// list-snapshots shows the recoverable window and each snapshot's segments; prune-snapshots removes a chain with its
// base (through dispatch, and the CLI's list -o table); with S3 configured, its segments are counted too.
import t, { type Test } from 'tap';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureStatus } from '../../src/delta/delta-types.ts';
import { STATE_FILE } from '../../src/state/schedule-state.ts';
import { localDeltaStore } from '../../src/store/local-delta-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import { s3DeltaStore } from '../../src/store/s3-delta-store.ts';
import { s3ContextOf, s3StoreOn } from '../../src/store/s3-store.ts';
import { unitPrefix } from '../../src/store/stores.ts';
import { runAgent } from '../support/cli/run-agent.ts';
import { startEtcd } from '../support/etcd/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { createJujuSim, runDispatch, type DispatchRun } from '../support/juju/sim.ts';
import { startS3 } from '../support/s3/server.ts';
import { chainBase, writeBase, writeSegment } from '../delta/window-fixture.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
const BUCKET = 'etcd-backups';
const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

const OLD = chainBase('2026-11-30-10.00.00', 100);
const NEW = chainBase('2026-11-30-16.00.00', 300);
const seg = (stamp: string, first: number, last: number): string => `etcd-delta-${stamp}-${first}-${last}.jsonl.gz`;
const capture: CaptureStatus = { state: 'running', base: NEW.name, coveredRevision: 340, coveredAt: '2026-11-30T16:05:00.000Z', gaps: [], intervalSeconds: 10 };

const dispatch = async (t: Test, action: string, config: Record<string, unknown>, params: Record<string, unknown> = {}): Promise<DispatchRun> => {
  const sim = await createJujuSim({ config: configFor(etcd, config), params });
  t.teardown(() => sim.cleanup());
  const run = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: `actions/${action}` });
  t.equal(run.status, 'completed', run.message ?? `${action} completed`);
  return run;
};

// Two scheduled chains: OLD with segments 101-150 and 151-200, NEW with 301-340, and the capture writing NEW.
const seeded = async (t: Test): Promise<string> => {
  const dir = join(await tempDir(t, 'window-dispatch'), 'snapshots');
  await mkdir(dir);
  await writeBase(dir, OLD);
  await writeBase(dir, NEW);
  await writeSegment(dir, OLD, 101, 150);
  await writeSegment(dir, OLD, 151, 200);
  await writeSegment(dir, NEW, 301, 340);
  await writeFile(join(dir, STATE_FILE), JSON.stringify({ capture }));
  return dir;
};

const snapshotRows = (results: Record<string, unknown>) =>
  Object.values((results as { snapshots: Record<string, Record<string, string>> }).snapshots).map((s) => [s.name, s.location, s.segments]);

t.test('list: the window, its gaps, and each snapshot\'s segments; prune takes the old chain with its base', async (t) => {
  const dir = await seeded(t);
  const config = { 'snapshot-dir': dir, 'snapshot-retention': 1 };
  const list = await dispatch(t, 'list-snapshots', config);
  t.strictSame((list.results as Record<string, unknown>).recoverable, {
    'from-time': OLD.created,
    'from-revision': '100',
    'to-time': '2026-11-30T16:05:00.000Z',
    'to-revision': '340',
    gaps: '1',
    segments: '3',
  });
  t.strictSame(snapshotRows(list.results), [[NEW.name, 'local', '1'], [OLD.name, 'local', '2']]);

  const dry = await dispatch(t, 'prune-snapshots', config, { 'dry-run': true });
  t.strictSame(dry.results, { 'dry-run': 'true', retention: '1', kept: '1', removed: { 1: OLD.name }, 'segments-removed': '2', chains: { 1: { base: OLD.name, stamp: OLD.stamp, segments: '2' } } });
  const prune = await dispatch(t, 'prune-snapshots', config);
  t.strictSame(prune.results, { 'dry-run': 'false', retention: '1', kept: '1', removed: { 1: OLD.name }, 'segments-removed': '2', chains: { 1: { base: OLD.name, stamp: OLD.stamp, segments: '2' } } });
  t.match(prune.logs.map((l) => l.message).join('\n'), `removed 2 delta segment(s) of ${OLD.name} from ${dir}`);
  t.strictSame((await readdir(dir)).sort(), [NEW.name, `${NEW.name}.sha256`, seg(NEW.stamp, 301, 340), `${seg(NEW.stamp, 301, 340)}.sha256`, STATE_FILE].sort());

  const after = await dispatch(t, 'list-snapshots', config);
  t.strictSame((after.results as Record<string, unknown>).recoverable, { 'from-time': NEW.created, 'from-revision': '300', 'to-time': '2026-11-30T16:05:00.000Z', 'to-revision': '340', gaps: '0', segments: '1' });
});

t.test('list without segments or capture: no recoverable key, no segments column', async (t) => {
  const dir = await tempDir(t, 'window-none');
  await writeBase(dir, OLD);
  const list = await dispatch(t, 'list-snapshots', { 'snapshot-dir': dir });
  const results = list.results as { count: string; snapshots: Record<string, Record<string, string>> };
  t.strictSame(Object.keys(results).sort(), ['count', 'snapshots']);
  t.strictSame(Object.keys(results.snapshots['1']!).sort(), ['bytes', 'created', 'location', 'name', 'revision', 'sha256', 'size', 'trigger']);
  const table = await runAgent(['list', '--snapshot-dir', dir, '--etcd-data-dir', join(dir, 'data'), '-o', 'table']);
  t.strictSame(table.stdout.split('\n').map((l) => l.split(/\s+/)), [['NAME', 'LOCATION', 'SIZE', 'CREATED', 'TRIGGER', 'REVISION'], [OLD.name, 'local', results.snapshots['1']!.size, '2026-11-30T10:00:00.000Z', 'scheduled', '100']]);
});

t.test('etcd-agent list -o table shows the window on one line, and each snapshot\'s segments', async (t) => {
  const dir = await seeded(t);
  const run = await runAgent(['list', '--snapshot-dir', dir, '--etcd-data-dir', join(dir, '..', 'data'), '-o', 'table']);
  t.equal(run.exitCode, 0, run.stderr);
  const lines = run.stdout.split('\n');
  t.strictSame(lines[0]!.split(/\s+/), ['NAME', 'LOCATION', 'SIZE', 'CREATED', 'TRIGGER', 'REVISION', 'SEGMENTS']);
  t.strictSame(lines.slice(1, 3).map((l) => { const cells = l.split(/\s+/); return [cells[0], cells.at(-2), cells.at(-1)]; }), [[NEW.name, '300', '1'], [OLD.name, '100', '2']]);
  t.strictSame(lines.slice(3), ['', `recoverable: ${OLD.created} (revision 100) to 2026-11-30T16:05:00.000Z (revision 340), 1 gap, 3 delta segment(s)`]);
});

t.test('with S3, the off-unit store\'s segments are counted, each under its own snapshot row', async (t) => {
  const dir = await seeded(t);
  const prefix = unitPrefix('backups', 'etcd/0');
  const context = s3ContextOf({
    endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', prefix, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, retries: 2, retryBaseDelayMs: 10,
  });
  await s3StoreOn(context).save(OLD.name, createReadStream(join(dir, OLD.name)), { sha256: (await localStore(dir).list()).find((s) => s.name === OLD.name)!.sha256! });
  for (const segment of (await localDeltaStore(dir).listSegments()).filter((s) => s.stamp === OLD.stamp)) {
    await s3DeltaStore(context).saveSegment(segment.name, createReadStream(join(dir, segment.name)), { sha256: segment.sha256! });
  }
  // The old chain is only in S3 now, and one more segment of it exists only there.
  for (const name of [OLD.name, seg(OLD.stamp, 101, 150), seg(OLD.stamp, 151, 200)]) await localStore(dir).delete(name).catch(() => localDeltaStore(dir).deleteSegment(name));
  const extra = await writeSegment(join(dir, '..'), OLD, 201, 299);
  await s3DeltaStore(context).saveSegment(extra.name, createReadStream(extra.path), { sha256: extra.sha256 });
  const config = {
    'snapshot-dir': dir, 's3-endpoint': s3.endpoint, 's3-bucket': BUCKET, 's3-force-path-style': true, 's3-prefix': 'backups',
    's3-access-key': s3.accessKeyId, 's3-secret-key': s3.secretAccessKey, 's3-retries': 1, 's3-allow-unencrypted': true,
  };
  const list = await dispatch(t, 'list-snapshots', config);
  t.strictSame(snapshotRows(list.results), [[NEW.name, 'local', '1'], [OLD.name, `s3://${BUCKET}/${prefix}/${OLD.name}`, '3']]);
  // OLD (in S3) runs 101..299 into NEW's base at 300: no gap. Its end time is NEW's base (names only, not read).
  t.strictSame((list.results as Record<string, unknown>).recoverable, { 'from-time': OLD.created, 'from-revision': '100', 'to-time': '2026-11-30T16:05:00.000Z', 'to-revision': '340', gaps: '0', segments: '4' });
});
