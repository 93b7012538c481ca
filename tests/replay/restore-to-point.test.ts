import t, { type Test } from 'tap';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { keyspaceAt } from '../support/etcd/keyspace.ts';
import { listDir } from '../support/files/dirs.ts';
import { pointFixture } from './point-fixture.ts';

// restore to-revision / to-time through dispatch, on a real etcd under the systemctl stand-in, with etcd's own
// history as the oracle: the restored keyspace equals `etcdctl get --prefix "" --rev=N` of the source taken before
// the first restore, key by key (key, value, create and mod revision, version; etcd 3.4 cannot bump revisions).

type Results = { restore: Record<string, string>; backup?: Record<string, string> };

const f = await pointFixture(t, { revisions: (p) => [p.base.revision + 7, Math.floor((p.wipe.revision + p.last) / 2)] });
const { unit } = f;
const firstSegment = f.segments[0]!;
const window = `the recoverable window is ${f.base.created} (revision ${f.base.revision}) to ${f.segments.at(-1)!.manifest.lastEventTime} (revision ${f.last})`;

// What a refusal must leave: no systemctl stop since `calls`, the data dir's files and the keyspace as they were.
const untouched = async (t: Test, calls: string, keys: unknown, files: string[]): Promise<void> => {
  t.equal(await unit.systemctlCalls(), calls, 'no systemctl call: etcd was never stopped');
  t.strictSame(await listDir(unit.etcd.dataDir), files, 'the data dir is as it was');
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), keys, 'etcd still serves the same keyspace');
};

t.test('to several revisions: each restored keyspace equals etcd\'s own at that revision', async (t) => {
  t.ok(f.segments.length >= 3, `${f.segments.length} segments`);
  t.ok(f.wipe.keys > 1, `the namespace delete removed ${f.wipe.keys} keys in one revision`);
  for (const rev of [f.base.revision + 7, f.wipe.revision - 1, f.wipe.revision, Math.floor((f.wipe.revision + f.last) / 2), f.last]) {
    const run = await unit.run('restore', { 'to-revision': rev, target: unit.backupDir, 'skip-backup': true });
    t.equal(run.status, 'completed', run.message ?? '');
    const results = run.results as Results;
    t.strictSame(await keyspaceAt(unit.etcd.endpoint), f.oracle.get(rev), `keyspace at revision ${rev}`);
    t.equal(results.restore['to-revision'], String(rev));
    t.equal(results.restore.revision, String(rev));
    t.equal(results.restore['live-revision'], String(rev));
    t.equal(results.restore['to-time'], f.events.filter((e) => e.revision === rev).at(-1)!.time);
    t.equal(results.restore['events-applied'], String(f.events.filter((e) => e.revision <= rev).length));
    t.equal(results.restore.source, f.basePath);
    t.equal(results.restore.base, f.base.name);
  }
});

t.test('one second before the namespace was deleted: the keyspace of then, the namespace in it', async (t) => {
  const { time, revision } = f.oneSecondBefore;
  t.ok(revision < f.wipe.revision, `revision ${revision}, before the delete at ${f.wipe.revision}`);
  const run = await unit.run('restore', { 'to-time': time, target: unit.backupDir, 'skip-backup': true });
  t.equal(run.status, 'completed', run.message ?? '');
  t.equal((run.results as Results).restore['to-revision'], String(revision));
  const keys = await keyspaceAt(unit.etcd.endpoint);
  t.strictSame(keys, f.oracle.get(revision));
  const deleted = new Set(f.events.filter((e) => e.revision === f.wipe.revision).map((e) => e.key.toString()));
  t.ok(keys.some((k) => deleted.has(k.key)), 'keys the delete removed are back');
});

t.test('to a time between two events: the revision before it, with a safety copy taken first', async (t) => {
  const run = await unit.run('restore', { 'to-time': f.between.time, target: unit.backupDir });
  t.equal(run.status, 'completed', run.message ?? '');
  const results = run.results as Results;
  t.equal(results.restore['to-revision'], String(f.between.before));
  t.equal(results.restore['to-time'], f.events.filter((e) => e.revision === f.between.before).at(-1)!.time);
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), f.oracle.get(f.between.before));
  t.ok(results.backup?.path, 'the normal restore took its safety snapshot');
  const leased = f.events.filter((e) => e.revision <= f.between.before && e.type === 'put' && e.lease !== '0');
  t.ok(leased.some((e) => e.lease !== f.laterLease), 'some puts kept the lease granted before the base');
  t.equal(results.restore['leases-dropped'], String(leased.filter((e) => e.lease === f.laterLease).length), 'puts with the lease granted after the base');
});

t.test('a target beyond the window: refused before etcd is touched, naming the window and the nearest point', async (t) => {
  const calls = await unit.systemctlCalls();
  const keys = await keyspaceAt(unit.etcd.endpoint);
  const files = await listDir(unit.etcd.dataDir);
  const beyond = f.last + 50;
  const run = await unit.run('restore', { 'to-revision': beyond, target: unit.backupDir, 'skip-backup': true });
  t.equal(run.status, 'failed');
  t.equal(run.message, `to-revision ${beyond} is not recoverable: ${window}; the nearest recoverable point is revision ${f.last} (${f.segments.at(-1)!.manifest.lastEventTime})`);
  await untouched(t, calls, keys, files);
  const early = new Date(Date.parse(f.base.created) - 3600_000).toISOString();
  const before = await unit.run('restore', { 'to-time': early, target: unit.backupDir, 'skip-backup': true });
  t.equal(before.message, `to-time ${early} is not recoverable: ${window}; the nearest recoverable point is revision ${f.base.revision} (${f.base.created})`);
  await untouched(t, calls, keys, files);
});

t.test('a corrupted segment: refused naming it and the window that remains, etcd untouched', async (t) => {
  const bad = f.segments[1]!;
  const bytes = await readFile(bad.path);
  const changed = Buffer.from(bytes);
  const middle = Math.floor(changed.length / 2);
  changed[middle] = (changed[middle] ?? 0) ^ 0xff;
  await writeFile(bad.path, changed);
  t.teardown(() => writeFile(bad.path, bytes));
  const calls = await unit.systemctlCalls();
  const keys = await keyspaceAt(unit.etcd.endpoint);
  const files = await listDir(unit.etcd.dataDir);
  const run = await unit.run('restore', { 'to-revision': f.last, target: unit.backupDir, 'skip-backup': true });
  t.equal(run.status, 'failed');
  const got = (await import('node:crypto')).createHash('sha256').update(changed).digest('hex');
  t.equal(
    run.message,
    `segment ${bad.name} cannot be used (segment ${bad.name}: sha256 ${got} does not match its sidecar ${bad.sha256}; the segment is damaged); without it, to-revision ${f.last} is not recoverable: the recoverable window is ${f.base.created} (revision ${f.base.revision}) to ${firstSegment.manifest.lastEventTime} (revision ${firstSegment.manifest.lastRevision}); the nearest recoverable point is revision ${firstSegment.manifest.lastRevision} (${firstSegment.manifest.lastEventTime})`,
  );
  await untouched(t, calls, keys, files);
  // A point before the damaged segment needs only the first one: still restorable.
  const ok = await unit.run('restore', { 'to-revision': firstSegment.manifest.lastRevision, target: unit.backupDir, 'skip-backup': true });
  t.equal(ok.status, 'completed', ok.message ?? '');
});

t.test('across a gap (a segment missing from the chain): refused before etcd is touched, naming the window before it', async (t) => {
  const gone = f.segments[1]!;
  const aside = `${gone.path}.aside`;
  await rename(gone.path, aside);
  await rename(`${gone.path}.sha256`, `${aside}.sha256`);
  t.teardown(async () => {
    await rename(aside, gone.path);
    await rename(`${aside}.sha256`, `${gone.path}.sha256`);
  });
  const calls = await unit.systemctlCalls();
  const keys = await keyspaceAt(unit.etcd.endpoint);
  const files = await listDir(unit.etcd.dataDir);
  const run = await unit.run('restore', { 'to-revision': f.last, target: unit.backupDir, 'skip-backup': true });
  t.equal(run.status, 'failed');
  const end = `revision ${firstSegment.manifest.lastRevision} (${firstSegment.manifest.lastEventTime})`;
  t.equal(run.message, `to-revision ${f.last} is not recoverable: the recoverable window is ${f.base.created} (revision ${f.base.revision}) to ${firstSegment.manifest.lastEventTime} (revision ${firstSegment.manifest.lastRevision}); the nearest recoverable point is ${end}`);
  await untouched(t, calls, keys, files);
});

t.test('params: both to-time and to-revision, a time not in UTC, a revision of 0', async (t) => {
  const calls = await unit.systemctlCalls();
  const both = await unit.run('restore', { 'to-time': '2026-12-01T14:31:00Z', 'to-revision': 5 });
  t.equal(both.message, 'param to-time="2026-12-01T14:31:00Z" and param to-revision=5 were both given: pass at most one of to-time and to-revision');
  const offset = await unit.run('restore', { 'to-time': '2026-12-01T14:31:00+01:00' });
  t.equal(offset.message, 'invalid param to-time="2026-12-01T14:31:00+01:00": must be an RFC 3339 time in UTC such as 2026-12-01T14:31:00Z (fractional seconds allowed, the offset written Z)');
  const zero = await unit.run('restore', { 'to-revision': 0 });
  t.equal(zero.message, 'restore: invalid param to-revision=0: must be >= 1');
  t.equal(await unit.systemctlCalls(), calls);
});
