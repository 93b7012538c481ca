import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { s3DeltaStore } from '../../src/store/s3-delta-store.ts';
import { s3ContextOf, s3StoreOn } from '../../src/store/s3-store.ts';
import { unitPrefix } from '../../src/store/stores.ts';
import { keyspaceAt } from '../support/etcd/keyspace.ts';
import { listDir } from '../support/files/dirs.ts';
import { startS3 } from '../support/s3/server.ts';
import { pointFixture } from './point-fixture.ts';

// A unit that lost its snapshot dir restores to a point from S3 alone: the base and every segment the plan needs are
// downloaded into scratch under their exact names, the SHA-256 S3 recorded checked, then replayed like local ones,
// with etcd's own history as the oracle. A damaged object in S3 is refused before etcd is touched, and an S3 that
// cannot be listed leaves a plan the snapshot dir can still make.

type Results = { restore: Record<string, string>; verify: Record<string, string> };

const BUCKET = 'etcd-backups';
const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

const f = await pointFixture(t, { revisions: (p) => [p.base.revision + 5] });
const { unit } = f;
const prefix = unitPrefix('backups', 'etcd/0');
const context = s3ContextOf({
  endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', prefix, forcePathStyle: true,
  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, retries: 2, retryBaseDelayMs: 10,
});
const baseSha = (await readFile(`${f.basePath}.sha256`, 'utf8')).slice(0, 64);
await s3StoreOn(context).save(f.base.name, createReadStream(f.basePath), { sha256: baseSha });
for (const segment of f.segments) await s3DeltaStore(context).saveSegment(segment.name, createReadStream(segment.path), { sha256: segment.sha256 });

const withS3 = {
  config: {
    ...unit.config,
    's3-endpoint': s3.endpoint, 's3-bucket': BUCKET, 's3-force-path-style': true, 's3-prefix': 'backups',
    's3-access-key': s3.accessKeyId, 's3-secret-key': s3.secretAccessKey, 's3-retries': 1, 's3-allow-unencrypted': true,
  },
};
const baseUrl = `s3://${BUCKET}/${prefix}/${f.base.name}`;

// Moves the snapshot dir's base and segments (and their sidecars) aside for the test: the disk that was lost.
const loseDisk = async (t: Test, names: string[]): Promise<void> => {
  const aside = join(unit.work, `lost-${Date.now()}`);
  await mkdir(aside);
  const moved = names.flatMap((name) => [name, `${name}.sha256`]);
  for (const name of moved) await rename(join(unit.snapshotDir, name), join(aside, name)).catch(() => undefined);
  t.teardown(async () => {
    for (const name of moved) await rename(join(aside, name), join(unit.snapshotDir, name)).catch(() => undefined);
  });
};

const everything = (): string[] => [f.base.name, `${f.base.name}.json`, ...f.segments.map((s) => s.name)];

// What a refusal must leave: no systemctl call since `calls`, the data dir's files and the keyspace as they were.
const untouched = async (t: Test, calls: string, keys: unknown, files: string[]): Promise<void> => {
  t.equal(await unit.systemctlCalls(), calls, 'no systemctl call: etcd was never stopped');
  t.strictSame(await listDir(unit.etcd.dataDir), files, 'the data dir is as it was');
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), keys, 'etcd still serves the same keyspace');
};

t.test('the snapshot dir lost: restore to-revision from S3 alone equals etcd\'s own keyspace at that revision', async (t) => {
  await loseDisk(t, everything());
  t.strictSame((await listDir(unit.snapshotDir)).filter((n) => n.startsWith('etcd-')), [], 'nothing of the chain is on the unit');
  for (const rev of [f.base.revision + 5, f.wipe.revision - 1]) {
    const run = await unit.run('restore', { 'to-revision': rev, target: unit.backupDir, 'skip-backup': true }, withS3);
    t.equal(run.status, 'completed', run.message ?? '');
    const results = run.results as Results;
    t.strictSame(await keyspaceAt(unit.etcd.endpoint), f.oracle.get(rev), `keyspace at revision ${rev}`);
    t.equal(results.restore['to-revision'], String(rev));
    t.equal(results.restore.source, baseUrl, 'the source is the base in S3');
    t.equal(results.restore.sha256, baseSha);
    t.equal(results.restore['events-applied'], String(f.events.filter((e) => e.revision <= rev).length));
  }
  t.strictSame((await listDir(unit.snapshotDir)).filter((n) => n.startsWith('etcd-')), [], 'nothing was downloaded into the snapshot dir');
});

t.test('the base on the unit, its later segments only in S3: a time target reads both', async (t) => {
  await loseDisk(t, f.segments.slice(1).map((s) => s.name));
  const { time, revision } = f.oneSecondBefore;
  const run = await unit.run('verify-snapshot', { 'to-time': time }, withS3);
  t.equal(run.status, 'completed', run.message ?? '');
  const results = run.results as Results;
  t.equal(results.verify['to-revision'], String(revision));
  t.equal(results.verify.base, f.base.name);
  t.equal(results.verify['key-count'], String(f.oracle.get(revision)!.length));
});

t.test('a segment damaged in S3: refused naming it and the window without it, etcd untouched', async (t) => {
  await loseDisk(t, everything());
  const bad = f.segments[1]!;
  const object = join(s3.dir, BUCKET, prefix, `${bad.name}._S3rver_object`);
  const bytes = await readFile(object);
  const changed = Buffer.from(bytes);
  changed[Math.floor(changed.length / 2)]! ^= 0xff;
  await writeFile(object, changed);
  t.teardown(() => writeFile(object, bytes));
  const calls = await unit.systemctlCalls();
  const keys = await keyspaceAt(unit.etcd.endpoint);
  const files = await listDir(unit.etcd.dataDir);
  const run = await unit.run('restore', { 'to-revision': f.last, target: unit.backupDir, 'skip-backup': true }, withS3);
  t.equal(run.status, 'failed');
  const got = createHash('sha256').update(changed).digest('hex');
  const first = f.segments[0]!.manifest;
  t.equal(
    run.message,
    `segment ${bad.name} cannot be used (refusing s3://${BUCKET}/${prefix}/${bad.name}: the download has SHA-256 ${got}, the store recorded ${bad.sha256}; try again); without it, to-revision ${f.last} is not recoverable: the recoverable window is ${f.base.created} (revision ${f.base.revision}) to ${first.lastEventTime} (revision ${first.lastRevision}); the nearest recoverable point is revision ${first.lastRevision} (${first.lastEventTime})`,
  );
  await untouched(t, calls, keys, files);
});

t.test('S3 configured but not answering: the snapshot dir alone still restores; with the disk lost the refusal says S3 was not listed', async (t) => {
  const down = { config: { ...withS3.config, 's3-endpoint': 'http://127.0.0.1:9', 's3-retries': 0 } };
  const ok = await unit.run('restore', { 'to-revision': f.base.revision + 5, target: unit.backupDir, 'skip-backup': true }, down);
  t.equal(ok.status, 'completed', ok.message ?? '');
  t.equal((ok.results as Results).restore.source, f.basePath);
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), f.oracle.get(f.base.revision + 5));
  await loseDisk(t, everything());
  const calls = await unit.systemctlCalls();
  const keys = await keyspaceAt(unit.etcd.endpoint);
  const files = await listDir(unit.etcd.dataDir);
  const run = await unit.run('restore', { 'to-revision': f.last, target: unit.backupDir, 'skip-backup': true }, down);
  t.equal(run.status, 'failed');
  const where = `s3://${BUCKET}/${prefix}`;
  t.equal(run.message, `to-revision ${f.last} is not recoverable: there is no full snapshot to replay from; take one with the snapshot action (not consulted: ${where} could not be listed (listing snapshots in store ${where} failed: S3 at http://127.0.0.1:9 did not answer (ECONNREFUSED)))`);
  await untouched(t, calls, keys, files);
});
