// The behaviour every DeltaStore must show; run it against each implementation with a factory.
import type { Test } from 'tap';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AgentError } from '../../src/errors/agent-error.ts';
import type { DeltaStore } from '../../src/store/delta-store.ts';

// Makes a fresh, empty store for one subtest; cleanup is the factory's business (t.teardown).
export type DeltaStoreFactory<S extends DeltaStore = DeltaStore> = (t: Test) => Promise<S>;

// Puts bytes into the store under name with its sidecar, as its writer does (S3: saveSegment; local: the writer).
export type PutSegment<S extends DeltaStore = DeltaStore> = (store: S, name: string, bytes: Buffer) => Promise<void>;

// Names no delta store may accept.
export const FOREIGN_SEGMENT_NAMES = [
  '',
  'etcd-delta-2026-12-01-14.00.00-101-200.jsonl.gz.sha256',
  'etcd-delta-2026-12-01-14.00.00-0101-200.jsonl.gz',
  'etcd-delta-2026-12-01-14.00.00-201-200.jsonl.gz',
  'etcd-delta-2026-02-30-14.00.00-101-200.jsonl.gz',
  '../etcd-delta-2026-12-01-14.00.00-101-200.jsonl.gz',
  'sub/etcd-delta-2026-12-01-14.00.00-101-200.jsonl.gz',
  '.etcd-agent-delta-2026-12-01-14.00.00-101.partial-1-2-3',
  'etcd-snapshot-2026-12-01-14.00.00.tar.gz',
];

// The SHA-256 of bytes, hex.
export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

// Reads a stream whole.
export const drain = async (stream: Readable): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
};

const A = 'etcd-delta-2026-12-01-14.00.00-101-200.jsonl.gz';
const B = 'etcd-delta-2026-12-01-14.00.00-201-201.jsonl.gz';
const C = 'etcd-delta-2026-12-02-09.30.00-5000-5100.jsonl.gz.age';

// The contract: exact names only, ascending listing with size and sidecar SHA-256, fetch, delete of both files.
// where(store) is how the store's messages name it.
export const deltaStoreContract = <S extends DeltaStore>(t: Test, factory: DeltaStoreFactory<S>, put: PutSegment<S>, where: (store: S) => string): void => {
  t.test('an empty store lists nothing, and removing what is not there is fine', async (t) => {
    const store = await factory(t);
    t.strictSame(await store.listSegments(), []);
    await store.deleteSegment(A);
    t.strictSame(await store.listSegments(), []);
  });

  t.test('lists segments ascending by stamp and first revision, with size and SHA-256', async (t) => {
    const store = await factory(t);
    const bytes: Record<string, Buffer> = { [A]: Buffer.from('a'.repeat(100)), [B]: Buffer.from('b'), [C]: Buffer.from('c'.repeat(7)) };
    for (const name of [C, B, A]) await put(store, name, bytes[name] as Buffer);
    const listed = await store.listSegments();
    t.strictSame(
      listed,
      [
        { name: A, stamp: '2026-12-01-14.00.00', firstRevision: 101, lastRevision: 200, encrypted: false },
        { name: B, stamp: '2026-12-01-14.00.00', firstRevision: 201, lastRevision: 201, encrypted: false },
        { name: C, stamp: '2026-12-02-09.30.00', firstRevision: 5000, lastRevision: 5100, encrypted: true },
      ].map((s) => ({ ...s, location: store.location, bytes: (bytes[s.name] as Buffer).length, sha256: sha256Of(bytes[s.name] as Buffer) })),
    );
  });

  t.test('fetch gives the bytes; a missing segment is a clear error', async (t) => {
    const store = await factory(t);
    const bytes = Buffer.from([0, 1, 2, 3, 255]);
    await put(store, A, bytes);
    t.strictSame(await drain(await store.fetchSegment(A)), bytes);
    await t.rejects(store.fetchSegment(B), AgentError);
  });

  t.test('delete removes the segment and its sidecar, nothing else', async (t) => {
    const store = await factory(t);
    await put(store, A, Buffer.from('a'));
    await put(store, B, Buffer.from('b'));
    await store.deleteSegment(A);
    t.strictSame((await store.listSegments()).map((s) => s.name), [B]);
    await store.deleteSegment(A);
    await t.rejects(store.fetchSegment(A), AgentError);
  });

  t.test('refuses every name that is not a segment', async (t) => {
    const store = await factory(t);
    for (const name of FOREIGN_SEGMENT_NAMES) {
      const refusal = new AgentError(
        `refusing delta segment name ${JSON.stringify(name)} in store ${where(store)}: only this charm's segments (etcd-delta-YYYY-MM-DD-HH.MM.SS-<first>-<last>.jsonl.gz[.age]) are handled`,
      );
      await t.rejects(store.fetchSegment(name), refusal, `fetch ${name}`);
      await t.rejects(store.deleteSegment(name), refusal, `delete ${name}`);
    }
  });
};
