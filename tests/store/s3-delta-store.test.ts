import t, { type Test } from 'tap';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readSegment } from '../../src/delta/segment-reader.ts';
import { openSegment } from '../../src/delta/segment-writer.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { s3DeltaStore } from '../../src/store/s3-delta-store.ts';
import { s3ContextOf, s3StoreOn } from '../../src/store/s3-store.ts';
import { startS3 } from '../support/s3/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { BASE, put as event } from '../delta/segment-fixture.ts';
import { fakeManifest, makeArchive } from './archive-fixture.ts';
import { deltaStoreContract, drain, sha256Of } from './delta-store-contract.ts';

const BUCKET = 'etcd-backups';
const NAME = 'etcd-delta-2026-12-01-14.00.00-101-102.jsonl.gz';

const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

let units = 0;
const contextOn = (prefix = `etcd-snapshots/etcd/etcd-${units++}`) =>
  s3ContextOf({
    endpoint: s3.endpoint,
    bucket: BUCKET,
    region: 'us-east-1',
    prefix,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    retries: 2,
    retryBaseDelayMs: 10,
  });

const raw = new S3Client({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
t.teardown(() => raw.destroy());

const keysUnder = async (prefix: string): Promise<string[]> => (await s3.keys()).filter((key) => key.startsWith(`${prefix}/`)).sort();

// A real closed segment of two events.
const segment = async (t: Test): Promise<{ path: string; sha256: string; bytes: number }> => {
  const dir = await tempDir(t, 's3-deltas');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  await writer.append(event(101));
  await writer.append(event(102, Buffer.alloc(0)));
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  return closed as { path: string; sha256: string; bytes: number };
};

t.test('the S3 delta store keeps the delta store contract', async (t) => {
  deltaStoreContract(
    t,
    async () => s3DeltaStore(contextOn()),
    async (store, name, bytes) => {
      await store.saveSegment(name, Readable.from([bytes]), { sha256: sha256Of(bytes) });
    },
    (store) => store.location,
  );
});

t.test('a closed segment goes up beside the archives with its sidecar, and comes back readable', async (t) => {
  const prefix = 'backups/etcd/etcd-0';
  const context = contextOn(prefix);
  const store = s3DeltaStore(context);
  const archives = s3StoreOn(context);
  const archive = await makeArchive(await tempDir(t, 's3-deltas'), BASE.name, { manifest: fakeManifest({ revision: 100 }) });
  await archives.save(BASE.name, createReadStream(archive.path), { sha256: archive.sha256 });
  const closed = await segment(t);
  const saved = await store.saveSegment(NAME, createReadStream(closed.path), { sha256: closed.sha256, reopen: () => createReadStream(closed.path) });
  t.strictSame(saved, { name: NAME, stamp: BASE.stamp, firstRevision: 101, lastRevision: 102, encrypted: false, location: `s3://${BUCKET}/${prefix}`, bytes: closed.bytes, sha256: closed.sha256 });
  t.strictSame(await keysUnder(prefix), [`${prefix}/${NAME}`, `${prefix}/${NAME}.sha256`, `${prefix}/${BASE.name}`, `${prefix}/${BASE.name}.sha256`]);
  const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${NAME}` }));
  t.equal(head.Metadata?.sha256, closed.sha256);
  t.equal(head.ContentType, 'application/gzip');
  t.strictSame((await archives.list()).map((a) => a.name), [BASE.name], 'the archive store does not see segments');
  t.strictSame(await store.listSegments(), [saved], 'the segment store does not see archives');
  const dir = await tempDir(t, 's3-deltas-back');
  await writeFile(join(dir, NAME), await drain(await store.fetchSegment(NAME)));
  const revisions: number[] = [];
  const manifest = await readSegment(join(dir, NAME), (e) => void revisions.push(e.revision));
  t.strictSame(revisions, [101, 102]);
  t.equal(manifest.count, 2);
  await store.deleteSegment(NAME);
  t.strictSame(await keysUnder(prefix), [`${prefix}/${BASE.name}`, `${prefix}/${BASE.name}.sha256`]);
});

t.test('a wrong SHA-256 is refused and nothing is kept', async (t) => {
  const context = contextOn();
  const store = s3DeltaStore(context);
  const closed = await segment(t);
  const wrong = '0'.repeat(64);
  await t.rejects(
    store.saveSegment(NAME, createReadStream(closed.path), { sha256: wrong }),
    new AgentError(`refusing to save ${NAME} to store ${store.location}: its SHA-256 is ${closed.sha256}, not the expected ${wrong}; nothing was kept`),
  );
  t.strictSame(await keysUnder(context.place.prefix), []);
  const source = Readable.from([Buffer.from('x')]);
  await t.rejects(store.saveSegment(NAME, source, { sha256: 'abc' }), new AgentError(`refusing to save ${NAME} to store ${store.location}: its expected SHA-256 "abc" is not 64 hex digits`));
  t.equal(source.destroyed, true);
  await t.rejects(store.saveSegment('etcd-delta-x.jsonl.gz', Readable.from([Buffer.from('x')]), { sha256: wrong }), AgentError);
  t.strictSame(await keysUnder(context.place.prefix), []);
});

t.test('saving the same segment again is a no-op; other bytes under its name are refused', async (t) => {
  const context = contextOn();
  const store = s3DeltaStore(context);
  const closed = await segment(t);
  const first = await store.saveSegment(NAME, createReadStream(closed.path), { sha256: closed.sha256 });
  t.strictSame(await store.saveSegment(NAME, createReadStream(closed.path), { sha256: closed.sha256 }), first);
  const other = Buffer.from('other bytes');
  await t.rejects(
    store.saveSegment(NAME, Readable.from([other]), { sha256: sha256Of(other) }),
    new AgentError(`${NAME} already exists in store ${store.location} with other content (SHA-256 ${closed.sha256}, not ${sha256Of(other)}) and is never overwritten`),
  );
  t.strictSame(await store.listSegments(), [first]);
});

t.test('an unfinished save (the object there, its sidecar never written) is completed by the next save, not refused', async (t) => {
  const context = contextOn();
  const store = s3DeltaStore(context);
  const closed = await segment(t);
  const first = await store.saveSegment(NAME, createReadStream(closed.path), { sha256: closed.sha256 });
  // What S3 going away between the object and its sidecar leaves: the object with its recorded SHA-256 alone.
  await raw.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${context.place.prefix}/${NAME}.sha256` }));
  t.strictSame(await keysUnder(context.place.prefix), [`${context.place.prefix}/${NAME}`], 'only the object is left');
  t.strictSame(await store.saveSegment(NAME, createReadStream(closed.path), { sha256: closed.sha256 }), first);
  t.strictSame(await keysUnder(context.place.prefix), [`${context.place.prefix}/${NAME}`, `${context.place.prefix}/${NAME}.sha256`]);
  t.strictSame(await store.listSegments(), [first], 'listed with its sidecar\'s SHA-256 again');
  t.equal(sha256Of(await drain(await store.fetchSegment(NAME))), closed.sha256, 'the same bytes');
});

t.test('a source that fails mid-upload keeps nothing', async (t) => {
  const context = contextOn();
  const store = s3DeltaStore(context);
  const failing = Readable.from((async function* () {
    yield Buffer.from('part');
    throw new Error('disk read error');
  })());
  await t.rejects(
    store.saveSegment(NAME, failing, { sha256: '1'.repeat(64) }),
    new AgentError(`saving ${NAME} to store ${store.location} failed: reading the segment failed: disk read error; nothing was kept`),
  );
  t.strictSame(await keysUnder(context.place.prefix), []);
});

t.test('list takes only exact segment names directly under the prefix', async (t) => {
  const context = contextOn();
  const store = s3DeltaStore(context);
  const prefix = context.place.prefix;
  for (const key of [`${prefix}/etcd-delta-2026-12-01-14.00.00-0101-102.jsonl.gz`, `${prefix}/sub/${NAME}`, `${prefix}/${NAME}.sha256`, `${prefix}/etcd-delta-notes.txt`, `${prefix}x/${NAME}`]) {
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
  }
  await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/etcd-delta-2026-12-01-14.00.00-7-9.jsonl.gz.age`, Body: 'abc' }));
  t.strictSame(await store.listSegments(), [
    { name: 'etcd-delta-2026-12-01-14.00.00-7-9.jsonl.gz.age', stamp: BASE.stamp, firstRevision: 7, lastRevision: 9, encrypted: true, location: store.location, bytes: 3, sha256: undefined },
  ]);
});
