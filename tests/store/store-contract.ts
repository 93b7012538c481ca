// The behaviour every SnapshotStore must show; run it against each implementation with a factory.
import type { Test } from 'tap';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AgentError } from '../../src/errors/agent-error.ts';
import type { SnapshotStore, StoredSnapshot, UploadStore } from '../../src/store/snapshot-store.ts';
import { fakeManifest, makeArchive } from './archive-fixture.ts';

// Makes a fresh, empty store for one subtest; cleanup is the factory's business (t.teardown).
export type StoreFactory<S extends SnapshotStore = SnapshotStore> = (t: Test) => Promise<S>;

// Puts the archive at path into the store under name, as its writer does (S3: save; local: the snapshot engine).
export type PutArchive<S extends SnapshotStore = SnapshotStore> = (store: S, name: string, path: string) => Promise<void>;

const OLD = 'etcd-snapshot-2024-05-01-10.00.00.tar.gz';
const NEW = 'etcd-snapshot-2024-05-02-10.00.00.tar.gz';
const NEWEST = 'etcd-snapshot-2025-01-01-00.00.00.tar.gz';

// Names no store may accept for save, fetch or delete.
export const FOREIGN_NAMES = [
  '',
  'etcd-snapshot-notes.txt',
  `${OLD}.sha256`,
  `.${OLD}.partial-1-2`,
  `../${OLD}`,
  `sub/${OLD}`,
  'etcd-snapshot-2024-02-30-00.00.00.tar.gz',
  'etcd-snapshot-2024-05-01-10.00.00.tar.bz2',
  'etcd-snapshot-2024-5-1-10.00.00.tar.gz',
  'ETCD-SNAPSHOT-2024-05-01-10.00.00.TAR.GZ',
];

// Awaits a promise that must reject with an AgentError whose message matches pattern; returns the message.
export const rejectsAgentError = async (t: Test, promise: Promise<unknown>, pattern: RegExp, what: string): Promise<string> => {
  try {
    await promise;
    t.fail(`${what}: expected a rejection`);
    return '';
  } catch (error) {
    t.ok(error instanceof AgentError, `${what}: an AgentError`);
    t.match((error as Error).message, pattern, what);
    t.notMatch((error as Error).message, /\n/, `${what}: one line`);
    return (error as Error).message;
  }
};

// Whether a listed snapshot names its store: the store's location itself (local) or the object's URL under it (S3).
export const locatedIn = (store: SnapshotStore, snapshot: StoredSnapshot): boolean =>
  snapshot.location === store.location || snapshot.location === `${store.location}/${snapshot.name}`;

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const drain = async (stream: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
};

// Sources for archives, made fresh for each suite.
const archiveMaker = (t: Test) => {
  let sources: string;
  t.before(async () => {
    sources = await mkdtemp(join(tmpdir(), 'store-contract-'));
  });
  t.teardown(() => rm(sources, { recursive: true, force: true }));
  return async (name: string, trigger: 'manual' | 'scheduled', revision = 1): Promise<{ path: string; bytes: Buffer }> => {
    const dir = await mkdtemp(join(sources, 'a-'));
    const { path } = await makeArchive(dir, name, { manifest: fakeManifest({ trigger, revision }), checksum: false });
    return { path, bytes: await readFile(path) };
  };
};

// Runs the contract every store keeps (list, fetch, delete) against stores made by factory, filled with put.
export const storeContract = <S extends SnapshotStore>(t: Test, factory: StoreFactory<S>, put: PutArchive<S>): void => {
  const archive = archiveMaker(t);

  t.test('a new store lists nothing', async (t) => {
    const store = await factory(t);
    t.same(await store.list(), []);
  });

  t.test('put, list, fetch: what went in comes back, described', async (t) => {
    const store = await factory(t);
    const a = await archive(OLD, 'scheduled', 10);
    await put(store, OLD, a.path);
    const [saved] = await store.list();
    if (!saved) throw new Error('nothing listed after put');
    t.ok(locatedIn(store, saved), `${saved.location} is in ${store.location}`);
    t.match(saved, { name: OLD, bytes: a.bytes.length, sha256: sha256Of(a.bytes), trigger: 'scheduled', manifest: { revision: 10 } });
    t.equal(saved.created.toISOString(), '2024-05-01T10:00:00.000Z');
    t.ok(saved.diskBytes >= 0, 'diskBytes is a number');
    const b = await archive(NEWEST, 'manual', 30);
    await put(store, NEWEST, b.path);
    const c = await archive(NEW, 'scheduled', 20);
    await put(store, NEW, c.path);
    const listed = await store.list();
    t.same(listed.map((s) => s.name), [NEWEST, NEW, OLD], 'newest first');
    t.same(listed.map((s) => s.trigger), ['manual', 'scheduled', 'scheduled']);
    t.same(listed.map((s) => s.manifest?.revision), [30, 20, 10]);
    t.same(listed.map((s) => s.sha256), [sha256Of(b.bytes), sha256Of(c.bytes), sha256Of(a.bytes)]);
    t.ok(listed.every((s) => locatedIn(store, s)), 'each names its place in the store');
    t.same(await drain(await store.fetch(NEW)), c.bytes, 'fetch streams the exact bytes');
  });

  t.test('names not of the exact pattern are refused by fetch and delete', async (t) => {
    const store = await factory(t);
    for (const name of FOREIGN_NAMES) {
      await rejectsAgentError(t, store.fetch(name), /refusing snapshot name/, `fetch ${JSON.stringify(name)}`);
      await rejectsAgentError(t, store.delete(name), /refusing snapshot name/, `delete ${JSON.stringify(name)}`);
    }
    t.same(await store.list(), []);
  });

  t.test('fetching an archive that is not there says so', async (t) => {
    const store = await factory(t);
    await rejectsAgentError(t, store.fetch(OLD), new RegExp(`no snapshot named ${OLD.replace(/\./g, '\\.')}`), 'fetch');
  });

  t.test('delete removes the archive; deleting it again is fine', async (t) => {
    const store = await factory(t);
    for (const [name, trigger] of [[OLD, 'scheduled'], [NEW, 'manual']] as const) {
      const a = await archive(name, trigger);
      await put(store, name, a.path);
    }
    await store.delete(OLD);
    t.same((await store.list()).map((s) => s.name), [NEW]);
    await store.delete(OLD);
    await rejectsAgentError(t, store.fetch(OLD), /no snapshot named/, 'fetch after delete');
  });
};

// Runs what every store archives are uploaded to keeps on top: save is atomic, checked, abortable.
// aborted: the error this store's save rejects with once its signal aborts (name and message, exactly).
export const uploadContract = (t: Test, factory: StoreFactory<UploadStore>, aborted: { name: string; message: string | RegExp }): void => {
  const archive = archiveMaker(t);

  t.test('save returns what it stored, described; a stream in pieces is stored whole', async (t) => {
    const store = await factory(t);
    const a = await archive(OLD, 'scheduled', 10);
    const saved = await store.save(OLD, createReadStream(a.path), { sha256: sha256Of(a.bytes) });
    t.ok(locatedIn(store, saved), `${saved.location} is in ${store.location}`);
    t.match(saved, { name: OLD, bytes: a.bytes.length, sha256: sha256Of(a.bytes), trigger: 'scheduled', manifest: { revision: 10 } });
    const c = await archive(NEW, 'scheduled', 20);
    await store.save(NEW, Readable.from([c.bytes.subarray(0, 100), c.bytes.subarray(100)]));
    t.same(await drain(await store.fetch(NEW)), c.bytes, 'fetch streams the exact bytes');
  });

  t.test('an existing archive is never overwritten', async (t) => {
    const store = await factory(t);
    const a = await archive(OLD, 'scheduled', 1);
    await store.save(OLD, createReadStream(a.path));
    const other = await archive(OLD, 'manual', 2);
    await rejectsAgentError(t, store.save(OLD, createReadStream(other.path)), /already exists.*never overwritten/, 'second save');
    t.same(await drain(await store.fetch(OLD)), a.bytes, 'the first one is intact');
    t.equal((await store.list()).length, 1);
  });

  t.test('a save whose bytes do not match the expected SHA-256 keeps nothing', async (t) => {
    const store = await factory(t);
    const a = await archive(OLD, 'scheduled');
    await rejectsAgentError(t, store.save(OLD, createReadStream(a.path), { sha256: 'f'.repeat(64) }), /SHA-256 is [0-9a-f]{64}, not the expected f{64}; nothing was kept/, 'save');
    t.same(await store.list(), []);
  });

  t.test('a source that fails midway keeps nothing', async (t) => {
    const store = await factory(t);
    const broken = Readable.from((async function* () {
      yield Buffer.alloc(70_000, 1);
      throw new Error('the network went away');
    })());
    await rejectsAgentError(t, store.save(OLD, broken), /saving .* failed.*the network went away.*nothing was kept/, 'save');
    t.same(await store.list(), []);
  });

  t.test('an aborted save keeps nothing', async (t) => {
    const store = await factory(t);
    const a = await archive(OLD, 'scheduled');
    const controller = new AbortController();
    controller.abort();
    await t.rejects(store.save(OLD, createReadStream(a.path), {}, { signal: controller.signal }), aborted);
    t.same(await store.list(), []);
  });

  t.test('a save aborted midway keeps nothing', async (t) => {
    const store = await factory(t);
    const controller = new AbortController();
    const source = Readable.from((async function* () {
      yield Buffer.alloc(100_000, 1);
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield Buffer.alloc(100_000, 2);
    })());
    await t.rejects(store.save(OLD, source, {}, { signal: controller.signal }), aborted);
    t.same(await store.list(), []);
  });

  t.test('names not of the exact pattern are refused by save', async (t) => {
    const store = await factory(t);
    const a = await archive(OLD, 'scheduled');
    for (const name of FOREIGN_NAMES) await rejectsAgentError(t, store.save(name, createReadStream(a.path)), /refusing snapshot name/, `save ${JSON.stringify(name)}`);
    t.same(await store.list(), []);
  });
};

// What every store that cannot do its job (unreachable, refused, the failing store) must show: each call
// rejects with a one-line AgentError matching pattern, and save releases the stream it was given.
export const failureContract = async (t: Test, store: UploadStore, pattern: RegExp): Promise<string[]> => {
  const messages = [
    await rejectsAgentError(t, store.list(), pattern, 'list'),
    await rejectsAgentError(t, store.fetch(OLD), pattern, 'fetch'),
  ];
  const source = Readable.from([Buffer.from('x')]);
  messages.push(await rejectsAgentError(t, store.save(OLD, source), pattern, 'save'));
  t.ok(source.destroyed, 'save released the source stream');
  messages.push(await rejectsAgentError(t, store.delete(OLD), pattern, 'delete'));
  return messages;
};
