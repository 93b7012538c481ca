import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import type { DeltaEvent } from '../../src/delta/delta-types.ts';
import { readSegment, readSegmentManifest } from '../../src/delta/segment-reader.ts';
import { openSegment } from '../../src/delta/segment-writer.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { tempDir } from '../support/files/dirs.ts';
import { mountTmpfs } from '../support/files/disk-space.ts';
import { BASE, del, lineOf, manifestOf, put } from './segment-fixture.ts';

const readAll = async (path: string, identity?: string): Promise<{ events: DeltaEvent[]; manifest: Awaited<ReturnType<typeof readSegment>> }> => {
  const events: DeltaEvent[] = [];
  const manifest = await readSegment(path, (e) => void events.push(e), identity === undefined ? {} : { identity });
  return { events, manifest };
};

// Binary keys and values, an empty value, a lease, two events in one revision, and a delete.
const sample = (): DeltaEvent[] => [
  put(101, Buffer.from([0, 1, 2, 255, 254, 10, 13])),
  { ...put(102, Buffer.alloc(0)), key: Buffer.from([0xff, 0x00, 0x0a, 0x2f]), lease: '7587883143127412234' },
  put(102, randomBytes(70_000)),
  del(103, Buffer.from('/registry/k101')),
  { ...put(104), createRevision: 101, version: 2 },
];

t.test('events written are read back exactly, with the trailer, the name, the sidecar and mode 0600', async (t) => {
  const dir = await tempDir(t, 'segment');
  const events = sample();
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: BASE.clusterId as string, recipients: [] });
  for (const e of events) await writer.append(e);
  t.equal(writer.count, 5);
  t.equal(writer.bytes, events.reduce((n, e) => n + Buffer.byteLength(`${lineOf(e)}\n`), 0));
  t.equal(writer.firstRevision, 101);
  t.equal(writer.lastRevision, 104);
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  const name = 'etcd-delta-2026-12-01-14.00.00-101-104.jsonl.gz';
  const bytes = await readFile(join(dir, name));
  t.strictSame(closed, { path: join(dir, name), name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, manifest: manifestOf(events) });
  t.strictSame((await readdir(dir)).sort(), [name, `${name}.sha256`]);
  t.equal(await readFile(join(dir, `${name}.sha256`), 'utf8'), `${closed?.sha256}  ${name}\n`);
  t.equal((await stat(join(dir, name))).mode & 0o777, 0o600);
  // Plain gzip of JSON lines, the trailer last.
  t.strictSame(gunzipSync(bytes).toString('utf8').split('\n'), [...events.map(lineOf), JSON.stringify({ manifest: manifestOf(events) }), '']);
  const read = await readAll(join(dir, name));
  t.strictSame(read.events, events);
  t.strictSame(read.manifest, manifestOf(events));
  t.strictSame(await readSegmentManifest(join(dir, name)), manifestOf(events));
});

t.test('an encrypted segment is age over the gzip and needs the identity to be read', async (t) => {
  const dir = await tempDir(t, 'segment');
  const identity = await generateIdentity();
  const other = await generateIdentity();
  const events = sample();
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: BASE.clusterId as string, recipients: [await identityToRecipient(identity)] });
  for (const e of events) await writer.append(e);
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  const name = 'etcd-delta-2026-12-01-14.00.00-101-104.jsonl.gz.age';
  t.equal(closed?.name, name);
  const bytes = await readFile(join(dir, name));
  t.equal(bytes.subarray(0, 22).toString('latin1'), 'age-encryption.org/v1\n');
  t.equal(closed?.sha256, createHash('sha256').update(bytes).digest('hex'));
  t.equal(closed?.bytes, bytes.length);
  const read = await readAll(join(dir, name), identity);
  t.strictSame(read.events, events);
  t.strictSame(read.manifest, manifestOf(events));
  await t.rejects(
    readSegment(join(dir, name), () => undefined),
    new AgentError(`delta segment ${name} is age-encrypted: an identity is needed to read it (identity-secret, the age identity of one of the encryption-recipients)`),
  );
  await t.rejects(readSegmentManifest(join(dir, name), { identity: other }), {
    name: 'AgentError',
    message: `cannot read delta segment ${join(dir, name)}: the identity does not match any recipient of this segment: it was encrypted to other age public keys (encryption-recipients), so use the identity of one of those (or its header is damaged)`,
  });
});

t.test('an empty segment leaves nothing', async (t) => {
  const dir = await tempDir(t, 'segment');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  t.equal((await readdir(dir)).length, 1);
  t.equal(await writer.close(new Date()), undefined);
  t.strictSame(await readdir(dir), []);
});

t.test('abort removes the hidden file', async (t) => {
  const dir = await tempDir(t, 'segment');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  await writer.append(put(101));
  const [partial] = await readdir(dir);
  t.match(partial, /^\.etcd-agent-delta-2026-12-01-14\.00\.00-101\.partial-\d+-\d+-\d+$/);
  await writer.abort();
  t.strictSame(await readdir(dir), []);
  await t.rejects(writer.append(put(102)), new AgentError(`cannot append to the delta segment ${join(dir, partial as string)}: it is already closed`));
});

t.test('append refuses events out of order, a skipped revision and a wrong start', async (t) => {
  const dir = await tempDir(t, 'segment');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  await t.rejects(writer.append(put(102)), new AgentError('the delta segment from revision 101 cannot start with an event at revision 102: the revisions between would be missing'));
  await writer.append(put(101));
  await writer.append(put(102));
  await writer.append(put(102));
  await t.rejects(writer.append(put(104)), new AgentError('cannot append the event at revision 104 to the delta segment after revision 102: revisions 103..103 would be missing'));
  await t.rejects(writer.append(put(101)), new AgentError('cannot append the event at revision 101 to the delta segment after revision 102: revisions must ascend'));
  t.equal(writer.count, 3);
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  t.equal(closed?.name, 'etcd-delta-2026-12-01-14.00.00-101-102.jsonl.gz');
  t.equal(closed?.manifest.count, 3);
});

t.test('openSegment refuses a first revision at or before the base and a cluster id that is not hex', async (t) => {
  const dir = await tempDir(t, 'segment');
  await t.rejects(
    openSegment({ dir, base: BASE, firstRevision: 100, clusterId: 'abc', recipients: [] }),
    new AgentError(`cannot open a delta segment at revision 100: it must be a whole number after the base ${BASE.name} (revision 100)`),
  );
  await t.rejects(openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'XYZ', recipients: [] }), new AgentError('cannot open a delta segment for cluster id "XYZ": it is not hex'));
  t.strictSame(await readdir(dir), []);
});

t.test('append waits for the file: what was appended is on disk but for what the streams may hold', async (t) => {
  const dir = await tempDir(t, 'segment');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  const [partial] = await readdir(dir);
  // Random values do not compress (base64 of them gzips to about 3/4): the file grows as fast as the lines.
  const MiB = 1024 * 1024;
  let lagMax = 0;
  for (let r = 101; r < 101 + 48; r++) {
    await writer.append(put(r, randomBytes(MiB / 2)));
    const onDisk = (await stat(join(dir, partial as string))).size;
    lagMax = Math.max(lagMax, writer.bytes * 0.74 - onDisk);
  }
  // Unbounded buffering would hold nearly all 32 MiB; the streams' buffers and one line are under 3 MiB.
  t.ok(writer.bytes > 32 * MiB, `appended ${writer.bytes}`);
  t.ok(lagMax < 3 * MiB, `at most ${Math.round(lagMax)} bytes were not yet on disk after an append resolved`);
  await writer.abort();
});

t.test('a full disk is an error naming the directory and the file, and leaves nothing', async (t) => {
  const dir = await mountTmpfs(t, 2, 'segment-full');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  const [partial] = await readdir(dir);
  let failure: unknown;
  try {
    for (let r = 101; r < 101 + 64; r++) await writer.append(put(r, randomBytes(256 * 1024)));
    await writer.close(new Date());
  } catch (error) {
    failure = error;
  }
  t.ok(failure instanceof AgentError, 'an AgentError');
  t.equal((failure as Error).message, `no space left in ${dir} (target ${join(dir, partial as string)}); free space there and try again`);
  await writer.abort();
  t.strictSame(await readdir(dir), []);
});
