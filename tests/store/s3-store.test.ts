import t from 'tap';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { failingStore } from '../../src/store/failing-store.ts';
import { describeS3Error, sanitize } from '../../src/store/s3-errors.ts';
import { listS3 } from '../../src/store/s3-list.ts';
import { s3Store, type S3SaveMeta, type S3StoreOptions } from '../../src/store/s3-store.ts';
import { makeCerts } from '../support/net/certs.ts';
import { freePort } from '../support/net/ports.ts';
import { startS3, type S3Server } from '../support/s3/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { fakeManifest, makeArchive } from './archive-fixture.ts';
import { failureContract, rejectsAgentError, storeContract, uploadContract } from './store-contract.ts';

const BUCKET = 'etcd-backups';
const NAME = 'etcd-snapshot-2024-05-01-10.00.00.tar.gz';
const MIB = 1024 * 1024;

const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

let units = 0;
const nextPrefix = (): string => `etcd-snapshots/etcd/etcd-${units++}`;

const storeOn = (server: S3Server, extra: Partial<S3StoreOptions> = {}) =>
  s3Store({
    endpoint: server.endpoint,
    bucket: server.bucket,
    region: 'us-east-1',
    prefix: nextPrefix(),
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    retries: 2,
    retryBaseDelayMs: 10,
    ...extra,
  });

// A client of the test's own, to look at and plant objects behind the store's back.
const raw = new S3Client({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
t.teardown(() => raw.destroy());
const put = (key: string, body: string | Buffer, metadata: Record<string, string> = {}) =>
  raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, Metadata: metadata }));

// A deterministic pseudo-random stream of `bytes` bytes in 1 MiB chunks; hook runs before each chunk.
const generated = (bytes: number, hook: (sent: number) => Promise<void> = async () => undefined): Readable =>
  Readable.from((async function* () {
    let state = 0x9e3779b9;
    for (let sent = 0; sent < bytes; sent += MIB) {
      await hook(sent);
      const chunk = Buffer.alloc(Math.min(MIB, bytes - sent));
      for (let i = 0; i < chunk.length; i += 4) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        chunk.writeUInt32LE(state, i);
      }
      yield chunk;
    }
  })());

// Object keys (or keys of pending multipart uploads) under a store's prefix, read from the server's directory.
const keysOf = async (server: S3Server, store: { location: string }, pending = false): Promise<string[]> => {
  const prefix = `${store.location.slice(`s3://${server.bucket}/`.length)}/`;
  return (await (pending ? server.pendingUploads() : server.keys())).filter((key) => key.startsWith(prefix));
};

// Waits (up to 5 s) until the server has taken part 1 of a multipart upload under the store's prefix; its upload id.
const firstPartTaken = async (server: S3Server, store: { location: string }): Promise<string> => {
  const path = `PUT /${server.bucket}/${store.location.slice(`s3://${server.bucket}/`.length)}/`;
  for (let i = 0; i < 500; i++) {
    const request = server.requests.find((r) => r.startsWith(path) && r.includes('partNumber=1'));
    if (request) return /uploadId=([0-9a-f]+)/.exec(request)?.[1] ?? '';
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return '';
};

const sha256Of = async (stream: Readable): Promise<{ sha256: string; bytes: number }> => {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
};

t.test('the S3 store keeps the store contract', async (t) => {
  storeContract(t, async () => storeOn(s3), async (store, name, path) => {
    await store.save(name, createReadStream(path));
  });
  uploadContract(t, async () => storeOn(s3), { name: 'AgentError', message: /^saving etcd-snapshot-2024-05-01-10\.00\.00\.tar\.gz to store s3:\/\/\S+ was aborted; nothing was kept$/ });
});

t.test('the failing store fails every call clearly', async (t) => {
  await failureContract(t, failingStore('connection refused', 's3://b/p'), /^(listing snapshots|fetching|saving|removing) .*in store s3:\/\/b\/p failed: connection refused$/);
});

t.test('location and keys: s3://bucket/prefix, objects at <prefix>/<name> with a sha256sum sidecar', async (t) => {
  const store = s3Store({ endpoint: `${s3.endpoint}/`, bucket: BUCKET, region: 'us-east-1', prefix: '/backups/etcd/etcd-7/', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  t.equal(store.location, `s3://${BUCKET}/backups/etcd/etcd-7`);
  const { path, sha256 } = await makeArchive(await tempDir(t, 's3-loc'), NAME, { manifest: fakeManifest({ revision: 9, trigger: 'manual' }) });
  const saved = await store.save(NAME, createReadStream(path), { sha256 });
  t.equal(saved.location, `s3://${BUCKET}/backups/etcd/etcd-7/${NAME}`);
  t.same((await s3.keys()).filter((k) => k.startsWith('backups/')), [`backups/etcd/etcd-7/${NAME}`, `backups/etcd/etcd-7/${NAME}.sha256`]);
  const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `backups/etcd/etcd-7/${NAME}` }));
  t.match(head.Metadata, { sha256, revision: '9', trigger: 'manual', manifest: /^[A-Za-z0-9_-]+$/ }, 'object metadata');
  t.equal(head.ContentType, 'application/gzip');
  t.match(saved, { sha256, trigger: 'manual', manifest: { revision: 9, unit: 'etcd/0' } });
  await store.delete(NAME);
  t.same((await s3.keys()).filter((k) => k.startsWith('backups/')), [], 'delete removes the archive and its sidecar');
});

t.test('an age-encrypted archive: the manifest the caller gives (pki list and all) is kept in metadata', async (t) => {
  const store = storeOn(s3);
  const name = 'etcd-snapshot-2024-05-01-10.00.00.tar.gz.age';
  const pki = ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key', 'peer.crt'].map((file, i) => ({
    path: `/var/snap/etcd/common/${file}`, name: file, sha256: createHash('sha256').update(file).digest('hex'), bytes: 1000 + i,
  }));
  const manifest = fakeManifest({ revision: 12, trigger: 'manual', pki });
  const saved = await store.save(name, Readable.from([Buffer.from('age-encryption.org/v1\n-> X25519 opaque')]), { manifest });
  t.same(saved.manifest, manifest);
  const [listed] = await store.list();
  t.same(listed?.manifest, manifest, 'listing reads the whole manifest back from the metadata');
  t.equal(listed?.trigger, 'manual');
  const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${store.location.slice(`s3://${BUCKET}/`.length)}/${name}` }));
  t.equal(head.ContentType, 'application/octet-stream');
});

t.test('a 27 MiB stream goes up in six 5 MiB parts and comes back byte for byte', async (t) => {
  const store = storeOn(s3, { partSizeBytes: 5 * MIB });
  const bytes = 27 * MIB;
  const expected = await sha256Of(generated(bytes));
  const started = process.hrtime.bigint();
  const saved = await store.save(NAME, generated(bytes), { sha256: expected.sha256, manifest: fakeManifest({ revision: 31 }) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  t.comment(`uploaded 27 MiB in ${seconds.toFixed(2)} s: ${(27 / seconds).toFixed(1)} MiB/s (s3rver on loopback)`);
  t.match(saved, { bytes, sha256: expected.sha256, trigger: 'scheduled', manifest: { revision: 31 } });
  const parts = s3.requests.filter((r) => r.startsWith('PUT') && r.includes('partNumber=') && r.includes(saved.name));
  t.equal(parts.length, 6, 'six UploadPart requests');
  t.same(await sha256Of(await store.fetch(NAME)), expected, 'fetch returns the same bytes');
  t.same(await keysOf(s3, store, true), [], 'the multipart upload was completed');
});

t.test('part boundaries: up to one part is one PUT; exactly two parts are two UploadParts; an empty archive is an empty object', async (t) => {
  const store = storeOn(s3, { partSizeBytes: 5 * MIB });
  for (const [i, bytes, parts] of [[0, 0, 0], [1, 5 * MIB, 0], [2, 5 * MIB + 4, 2], [3, 10 * MIB, 2]] as const) {
    const name = `etcd-snapshot-2024-06-01-10.00.0${i}.tar.gz`;
    const expected = await sha256Of(generated(bytes));
    const saved = await store.save(name, generated(bytes), { sha256: expected.sha256 });
    t.strictSame({ bytes: saved.bytes, sha256: saved.sha256 }, expected, `${bytes} bytes: sent as generated`);
    const uploadParts = s3.requests.filter((r) => r.startsWith('PUT') && r.includes('partNumber=') && r.includes(name));
    t.equal(uploadParts.length, parts, `${bytes} bytes: ${parts} UploadPart requests`);
    t.strictSame(await sha256Of(await store.fetch(name)), expected, `${bytes} bytes: fetched back byte for byte`);
  }
  t.strictSame(await keysOf(s3, store, true), [], 'no multipart upload left open');
});

// A file of generated bytes, for saves that read their parts from the file (SaveMeta.sourceFile).
const generatedFile = async (t: { teardown(fn: () => unknown): void }, bytes: number): Promise<string> => {
  const path = join(await tempDir(t, 's3-file'), 'archive');
  const chunks: Buffer[] = [];
  for await (const chunk of generated(bytes)) chunks.push(chunk as Buffer);
  await writeFile(path, Buffer.concat(chunks));
  return path;
};
// The SHA-256 of bytes first to last (inclusive) of a file.
const rangeSha256 = async (path: string, first: number, last: number): Promise<string> => (await sha256Of(createReadStream(path, { start: first, end: last }))).sha256;

t.test('from a file: each part is read again from the file, its SHA-256 signed, and the object comes back byte for byte', async (t) => {
  const store = storeOn(s3, { partSizeBytes: 5 * MIB });
  for (const [i, bytes, parts] of [[0, 0, 0], [1, 5 * MIB, 0], [2, 5 * MIB + 4, 2], [3, 27 * MIB, 6]] as const) {
    const name = `etcd-snapshot-2024-07-01-10.00.0${i}.tar.gz`;
    const path = await generatedFile(t, bytes);
    const expected = await sha256Of(createReadStream(path));
    const saved = await store.save(name, createReadStream(path), { sha256: expected.sha256, sourceFile: path });
    t.strictSame({ bytes: saved.bytes, sha256: saved.sha256 }, expected, `${bytes} bytes: sent as the file holds them`);
    t.strictSame(await sha256Of(await store.fetch(name)), expected, `${bytes} bytes: fetched back byte for byte`);
    const signed = s3.signedPayloads.filter((r) => r.startsWith('PUT') && r.includes(`/${name}?`) && r.includes('partNumber='));
    const ranges = Array.from({ length: parts }, (_, k) => [k * 5 * MIB, Math.min(bytes, (k + 1) * 5 * MIB) - 1] as const);
    // Parts go up two at a time, so the server may take them out of order.
    const byPart = signed.map((r) => [Number(/partNumber=(\d+)/.exec(r)?.[1]), r.split(' ').at(-1)] as const).sort((a, b) => a[0] - b[0]);
    t.strictSame(byPart, await Promise.all(ranges.map(async ([first, last], k) => [k + 1, await rangeSha256(path, first, last)] as const)), `${bytes} bytes: each UploadPart signed the SHA-256 of its range`);
    if (parts === 0) {
      const single = s3.signedPayloads.filter((r) => r.startsWith(`PUT /${BUCKET}/`) && r.split(' ')[1]!.split('?')[0]!.endsWith(`/${name}`));
      t.strictSame(single.map((r) => r.split(' ').at(-1)), [expected.sha256], `${bytes} bytes: one PUT, signed with the file's SHA-256`);
    }
  }
  t.strictSame(await keysOf(s3, store, true), [], 'no multipart upload left open');
});

t.test('from a file: the server restarted mid-upload, and the retried parts are read from the file again', async (t) => {
  const lines: string[] = [];
  const store = storeOn(s3, { partSizeBytes: 5 * MIB, retries: 6, retryBaseDelayMs: 100, log: (line) => lines.push(line) });
  const path = await generatedFile(t, 16 * MIB);
  const expected = await sha256Of(createReadStream(path));
  let killed = false;
  // The file's bytes, with the server killed (and started again) once 11 MiB have been read: parts 1 and 2 are
  // then being sent or have been.
  const source = Readable.from((async function* () {
    let read = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: MIB })) {
      if (!killed && read >= 11 * MIB) {
        killed = true;
        await firstPartTaken(s3, store);
        await s3.kill();
        void s3.start();
      }
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  })());
  const saved = await store.save(NAME, source, { sha256: expected.sha256, sourceFile: path, reopen: () => createReadStream(path) });
  t.strictSame({ bytes: saved.bytes, sha256: saved.sha256 }, expected);
  t.equal(killed, true, 'the server was killed mid-upload');
  t.strictSame(lines.filter((line) => /non-retryable/.test(line)), [], 'every request could be retried: each try reads its range of the file afresh');
  const retries = lines.filter((line) => /^S3 request failed \(.+\); retry \d+ of 6 in \d+ ms$/.test(line) || /; starting over from the archive in \d+ ms \(retry \d+ of 6\)$/.test(line));
  t.equal(retries.length > 0, true, `retried: ${lines.join(' | ')}`);
  t.strictSame(await sha256Of(await store.fetch(NAME)), expected, 'fetched back byte for byte');
});

t.test('list: only this unit\'s archives by exact name, described from metadata or the sidecar', async (t) => {
  const store = storeOn(s3);
  const prefix = store.location.slice(`s3://${BUCKET}/`.length);
  const { path, sha256 } = await makeArchive(await tempDir(t, 's3-list'), NAME, { manifest: fakeManifest({ revision: 5 }) });
  await store.save(NAME, createReadStream(path));
  const planted = createHash('sha256').update('planted').digest('hex');
  await put(`${prefix}/etcd-snapshot-2024-05-02-10.00.00.tar.gz`, 'uploaded by hand');
  await put(`${prefix}/etcd-snapshot-2024-05-03-10.00.00.tar.gz`, 'planted', { trigger: 'manual' });
  await put(`${prefix}/etcd-snapshot-2024-05-03-10.00.00.tar.gz.sha256`, `${planted}  etcd-snapshot-2024-05-03-10.00.00.tar.gz\n`);
  for (const key of [
    `${prefix}/etcd-snapshot-notes.txt`,
    `${prefix}/sub/etcd-snapshot-2024-05-04-10.00.00.tar.gz`,
    `${prefix}/.etcd-snapshot-2024-05-05-10.00.00.tar.gz.partial-1-2`,
    `${prefix}/etcd-snapshot-2024-02-30-10.00.00.tar.gz`,
    `${prefix}/etcd-snapshot-2024-05-06-10.00.00.tar.gz.sha256`,
    `${prefix}0/etcd-snapshot-2024-05-07-10.00.00.tar.gz`,
    `${prefix}-other/etcd-snapshot-2024-05-08-10.00.00.tar.gz`,
    `${prefix.replace(/[^/]+$/, 'etcd-99')}/etcd-snapshot-2024-05-09-10.00.00.tar.gz`,
  ]) await put(key, 'foreign');
  const listed = await store.list();
  t.same(listed.map((s) => s.name), ['etcd-snapshot-2024-05-03-10.00.00.tar.gz', 'etcd-snapshot-2024-05-02-10.00.00.tar.gz', NAME]);
  const [third, second, first] = listed;
  t.match(third, { sha256: planted, trigger: 'manual', manifest: undefined, bytes: 7 }, 'no checksum metadata: the sidecar');
  t.match(second, { sha256: undefined, trigger: undefined, manifest: undefined }, 'nothing known about a hand upload');
  t.match(first, { sha256, trigger: 'scheduled', manifest: { revision: 5 } });
  t.equal(first?.location, `${store.location}/${NAME}`);
});

t.test('list follows continuation tokens (s3rver cannot paginate on Node 24: it ciphers its tokens with DES)', async (t) => {
  const pages: Record<string, { keys: string[]; next?: string }> = {
    '': { keys: ['u/etcd-snapshot-2024-05-01-10.00.00.tar.gz', 'u/notes.txt'], next: 'two' },
    two: { keys: ['u/etcd-snapshot-2024-05-02-10.00.00.tar.gz'], next: 'three' },
    three: { keys: ['u/etcd-snapshot-2024-05-03-10.00.00.tar.gz'] },
  };
  const seen: string[] = [];
  const client = {
    send: async (command: { input: { ContinuationToken?: string; Key?: string } }) => {
      if (command instanceof ListObjectsV2Command) {
        const page = pages[command.input.ContinuationToken ?? ''] ?? { keys: [] };
        seen.push(command.input.ContinuationToken ?? '(first)');
        return { Contents: page.keys.map((Key) => ({ Key })), IsTruncated: page.next !== undefined, NextContinuationToken: page.next };
      }
      return { ContentLength: 3, Metadata: { sha256: 'a'.repeat(64) } };
    },
  } as unknown as S3Client;
  const place = { bucket: 'b', prefix: 'u' };
  const context = { client, place, location: 's3://b/u', errors: { endpoint: 'x', bucket: 'b', secrets: [] }, partSizeBytes: 5 * MIB, retries: 0, retryBaseDelayMs: 1, log: () => undefined };
  const listed = await listS3(context, undefined);
  t.same(seen, ['(first)', 'two', 'three']);
  t.same(listed.map((s) => s.name), ['etcd-snapshot-2024-05-03-10.00.00.tar.gz', 'etcd-snapshot-2024-05-02-10.00.00.tar.gz', 'etcd-snapshot-2024-05-01-10.00.00.tar.gz']);
});

t.test('wrong credentials: a clear error naming the endpoint, never a key', async (t) => {
  for (const credentials of [
    { accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong-secret-value-xyz' },
    { accessKeyId: 'AKIAWRONGKEY1234567', secretAccessKey: 'another/secret+value' },
  ]) {
    const store = storeOn(s3, { credentials, log: (line) => t.fail(`logged: ${line}`) });
    const at = s3.endpoint.replace(/[/.]/g, '\\$&');
    const messages = await failureContract(
      t,
      store,
      new RegExp(`failed: S3 at ${at} refused the credentials \\((SignatureDoesNotMatch|InvalidAccessKeyId)\\) for bucket ${BUCKET}; check s3-access-key/s3-secret-key or s3-credentials-secret`),
    );
    for (const message of messages) {
      for (const secret of [credentials.accessKeyId, credentials.secretAccessKey]) t.notOk(message.includes(secret), 'no key in the message');
      t.notMatch(message, /aws4_request|Credential=|Signature=/);
    }
  }
});

t.test('an unreachable endpoint or a missing bucket says so', async (t) => {
  const lines: string[] = [];
  const port = await freePort();
  const down = storeOn(s3, { endpoint: `http://127.0.0.1:${port}`, retries: 1, log: (line) => lines.push(line) });
  await failureContract(t, down, new RegExp(`failed: S3 at http://127\\.0\\.0\\.1:${port} did not answer \\(ECONNREFUSED\\)`));
  t.ok(lines.some((line) => /retry 1 of 1/.test(line)), 'each request was retried');
  const nowhere = storeOn(s3, { bucket: 'no-such-bucket' });
  await rejectsAgentError(t, nowhere.list(), /S3 at .* has no bucket no-such-bucket; create it or fix s3-bucket/, 'list');
  await rejectsAgentError(t, nowhere.save(NAME, Readable.from([Buffer.from('x')])), /has no bucket no-such-bucket.*nothing was kept/, 'save');
});

t.test('an endpoint that accepts connections but never answers times out', async (t) => {
  const silent = createServer((socket) => socket.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  const { port } = silent.address() as AddressInfo;
  const store = storeOn(s3, { endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300, retries: 0 });
  await rejectsAgentError(t, store.list(), new RegExp(`S3 at http://127\\.0\\.0\\.1:${port} did not answer \\((TimeoutError|ETIMEDOUT|ECONNRESET)\\)$`), 'list');
});

t.test('SDK messages lose the keys and SigV4 credential scopes', async (t) => {
  const context = { endpoint: 'https://s3.example', bucket: 'b', secrets: ['AKIAEXAMPLE123', 'se/cr+et'] };
  const error = Object.assign(new Error('denied for AKIAEXAMPLE123 (se/cr+et): Credential=AKIAEXAMPLE123/20240501/us-east-1/s3/aws4_request, Signature=abc123\nscope AKIAEXAMPLE123/20240501/us-east-1/s3/aws4_request'), {
    name: 'WeirdError',
    $metadata: { httpStatusCode: 418 },
  });
  const text = describeS3Error(error, context);
  t.equal(text, 'S3 at https://s3.example answered 418 WeirdError for bucket b: denied for *** (***): Credential=***, Signature=***; scope ***');
  t.equal(sanitize('a\n  b', []), 'a; b');
});

t.test('the server killed mid-upload: a clear failure after retries, nothing left', async (t) => {
  const lines: string[] = [];
  const store = storeOn(s3, { partSizeBytes: 5 * MIB, log: (line) => lines.push(line) });
  const meta: S3SaveMeta = { reopen: () => generated(16 * MIB) };
  let upload = '';
  const source = generated(16 * MIB, async (sent) => {
    if (sent !== 11 * MIB) return;
    upload = await firstPartTaken(s3, store);
    await s3.kill();
  });
  try {
    await rejectsAgentError(t, store.save(NAME, source, meta), /saving .* failed: S3 at .* did not answer \((ECONNREFUSED|ECONNRESET)\); nothing was kept$/, 'save');
  } finally {
    await s3.start();
  }
  t.ok(lines.filter((line) => /^S3 request failed .*; retry \d of 2 in \d+ ms$/.test(line)).length >= 2, 'requests were retried');
  t.ok(lines.some((line) => /starting over from the archive .* \(retry 1 of 2\)$/.test(line)), 'the upload was started over from reopen()');
  t.same(await keysOf(s3, store), [], 'no object under the prefix');
  t.same((await store.list()).map((s) => s.name), []);
  t.ok(upload, 'the kill came after the server had taken a part');
  t.same(await keysOf(s3, store, true), [`${store.location.slice(`s3://${BUCKET}/`.length)}/${NAME}`], 'the multipart upload the dead server could not be told to abort is all that is left');
});

t.test('the server restarted mid-upload: retries carry the upload through', async (t) => {
  const lines: string[] = [];
  const store = storeOn(s3, { partSizeBytes: 5 * MIB, retries: 6, retryBaseDelayMs: 100, log: (line) => lines.push(line) });
  const expected = await sha256Of(generated(12 * MIB));
  const source = generated(12 * MIB, async (sent) => {
    if (sent === 6 * MIB) {
      await s3.kill();
      void s3.start();
    }
  });
  const saved = await store.save(NAME, source, { sha256: expected.sha256, reopen: () => generated(12 * MIB) } as S3SaveMeta);
  t.match(saved, expected);
  // A retry after the kill says so: a request retried, or the upload started over from the archive.
  const retries = lines.filter((line) => /^S3 request failed \(.+\); retry \d+ of 6 in \d+ ms$/.test(line) || /; starting over from the archive in \d+ ms \(retry \d+ of 6\)$/.test(line));
  t.equal(retries.length > 0, true, `retried: ${lines.join(' | ')}`);
  t.same(await sha256Of(await store.fetch(NAME)), expected);
});

t.test('an abort mid-upload aborts the multipart upload and leaves nothing', async (t) => {
  const store = storeOn(s3, { partSizeBytes: 5 * MIB });
  const controller = new AbortController();
  let upload = '';
  const source = generated(20 * MIB, async (sent) => {
    if (sent !== 11 * MIB) return;
    upload = await firstPartTaken(s3, store);
    controller.abort();
  });
  await rejectsAgentError(t, store.save(NAME, source, {}, { signal: controller.signal }), /^saving .* was aborted; nothing was kept$/, 'save');
  t.ok(source.destroyed, 'the source was released');
  t.ok(upload, 'the abort came after the server had taken a part');
  t.ok(s3.requests.some((r) => r.startsWith('DELETE') && r.includes(`uploadId=${upload}`)), 'AbortMultipartUpload was sent');
  t.same(await keysOf(s3, store, true), [], 'the multipart upload was aborted');
  t.same(await keysOf(s3, store), [], 'no object under the prefix');
});

t.test('AWS_* variables and ~/.aws files cannot change what the store does', async (t) => {
  const dir = await tempDir(t, 's3-env');
  const config = join(dir, 'config');
  await writeFile(config, '[profile evil]\nregion = mars-1\nendpoint_url = http://127.0.0.1:9\nmax_attempts = nope\n[default]\nthis is not ini\n');
  const saved = { ...process.env };
  t.teardown(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  Object.assign(process.env, {
    AWS_PROFILE: 'evil', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: config, HOME: dir,
    AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT0000', AWS_SECRET_ACCESS_KEY: 'from-the-environment', AWS_SESSION_TOKEN: 'token',
    AWS_REGION: 'mars-1', AWS_DEFAULT_REGION: 'mars-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: 'nope', AWS_RETRY_MODE: 'bogus', AWS_DEFAULTS_MODE: 'bogus', AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'bogus', AWS_RESPONSE_CHECKSUM_VALIDATION: 'bogus', AWS_S3_DISABLE_EXPRESS_SESSION_AUTH: 'bogus',
    AWS_S3_USE_ARN_REGION: 'bogus', AWS_AUTH_SCHEME_PREFERENCE: 'sigv4a', AWS_SIGV4A_SIGNING_REGION_SET: '*', AWS_SDK_UA_APP_ID: 'x'.repeat(100),
  });
  const store = storeOn(s3);
  const { path, sha256 } = await makeArchive(dir, NAME, { manifest: fakeManifest() });
  t.match(await store.save(NAME, createReadStream(path), { sha256 }), { sha256 });
  t.same((await store.list()).map((s) => s.sha256), [sha256]);
  t.same(await sha256Of(await store.fetch(NAME)), { sha256, bytes: (await sha256Of(createReadStream(path))).bytes });
  await store.delete(NAME);
  t.same(await store.list(), []);
});

t.test('https with a private CA: s3-ca makes it work, its absence is a clear error', async (t) => {
  const certs = await makeCerts(join(await tempDir(t, 's3-tls'), 'pki'));
  const tls = await startS3({ bucket: BUCKET, tls: { cert: certs.serverCert, key: certs.serverKey } });
  t.teardown(() => tls.stop());
  t.match(tls.endpoint, /^https:/);
  const store = storeOn(tls, { caFile: certs.ca });
  const { path, sha256 } = await makeArchive(await tempDir(t, 's3-tls-src'), NAME, { manifest: fakeManifest() });
  t.match(await store.save(NAME, createReadStream(path)), { sha256 });
  t.same((await store.list()).map((s) => s.name), [NAME]);
  await rejectsAgentError(t, storeOn(tls, { retries: 0 }).list(), /S3 at https:\/\/127\.0\.0\.1:\d+ presented a TLS certificate that could not be verified \([A-Z_]+\); set s3-ca/, 'no CA');
  await rejectsAgentError(t, storeOn(tls, { caFile: certs.otherCa, retries: 0 }).list(), /could not be verified/, 'another CA');
  t.throws(() => storeOn(tls, { caFile: join(certs.ca, 'missing') }), /cannot read the S3 CA bundle .*missing \(s3-ca\): ENOTDIR/);
});

t.test('options are checked when the store is made', async (t) => {
  t.throws(() => storeOn(s3, { partSizeBytes: MIB }), /part size 1048576 is below the 5 MiB/);
  t.throws(() => storeOn(s3, { retries: -1 }), /retries must be a whole number/);
  t.throws(() => storeOn(s3, { endpoint: 'not a url' }), /is not a URL/);
});
