import t from 'tap';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSegment } from '../../src/delta/segment-reader.ts';
import { openSegment } from '../../src/delta/segment-writer.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { failingDeltaStore } from '../../src/store/failing-store.ts';
import { localDeltaStore, type LocalDeltaStore } from '../../src/store/local-delta-store.ts';
import { sidecarText } from '../../src/format/sha256sum.ts';
import { tempDir } from '../support/files/dirs.ts';
import { BASE, put as event } from '../delta/segment-fixture.ts';
import { deltaStoreContract, drain, sha256Of } from './delta-store-contract.ts';

const putLocal = async (store: LocalDeltaStore, name: string, bytes: Buffer): Promise<void> => {
  await mkdir(store.dir, { recursive: true });
  await writeFile(store.pathOf(name), bytes);
  await writeFile(`${store.pathOf(name)}.sha256`, sidecarText(sha256Of(bytes), name));
};

t.test('the local delta store keeps the delta store contract', async (t) => {
  deltaStoreContract(t, async (t) => localDeltaStore(join(await tempDir(t, 'local-deltas'), 'snapshots')), putLocal, (store) => `local (${store.dir})`);
});

t.test('lists what the writer closed, beside archives and foreign files, without reading contents', async (t) => {
  const dir = await tempDir(t, 'local-deltas');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  await writer.append(event(101));
  await writer.append(event(102));
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  const open = await openSegment({ dir, base: BASE, firstRevision: 103, clusterId: 'abc', recipients: [] });
  await open.append(event(103));
  for (const name of ['etcd-snapshot-2026-12-01-14.00.00.tar.gz', 'etcd-delta-2026-12-01-14.00.00-0103-104.jsonl.gz', 'notes.txt']) await writeFile(join(dir, name), 'x');
  await mkdir(join(dir, 'etcd-delta-2026-12-01-14.00.00-300-301.jsonl.gz'));
  // No sidecar: listed, sha256 undefined.
  await writeFile(join(dir, 'etcd-delta-2026-12-01-14.00.00-500-501.jsonl.gz'), 'y');
  const store = localDeltaStore(dir);
  t.strictSame(await store.listSegments(), [
    { name: closed?.name, stamp: BASE.stamp, firstRevision: 101, lastRevision: 102, encrypted: false, location: 'local', bytes: closed?.bytes, sha256: closed?.sha256 },
    { name: 'etcd-delta-2026-12-01-14.00.00-500-501.jsonl.gz', stamp: BASE.stamp, firstRevision: 500, lastRevision: 501, encrypted: false, location: 'local', bytes: 1, sha256: undefined },
  ]);
  t.equal(store.pathOf(closed?.name as string), closed?.path);
  t.throws(() => store.pathOf('../x'), AgentError);
  const events: number[] = [];
  await readSegment(store.pathOf(closed?.name as string), (e) => void events.push(e.revision));
  t.strictSame(events, [101, 102]);
  t.equal(sha256Of(await drain(await store.fetchSegment(closed?.name as string))), closed?.sha256);
  const ofClosed = async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.startsWith(closed?.name as string)).sort();
  t.strictSame(await ofClosed(), [closed?.name, `${closed?.name}.sha256`]);
  await store.deleteSegment(closed?.name as string);
  t.strictSame(await ofClosed(), []);
  await open.abort();
});

t.test('a snapshot-dir that is a file is a clear error', async (t) => {
  const dir = await tempDir(t, 'local-deltas');
  await writeFile(join(dir, 'file'), 'x');
  const store = localDeltaStore(join(dir, 'file'));
  await t.rejects(store.listSegments(), new AgentError(`cannot list delta segments in store local (${join(dir, 'file')}) (not a directory)`));
});

t.test('the failing delta store fails every call with a clear error', async (t) => {
  const store = failingDeltaStore('no route to host', 's3://b/p');
  const name = 'etcd-delta-2026-12-01-14.00.00-101-200.jsonl.gz';
  await t.rejects(store.listSegments(), new AgentError('listing delta segments in store s3://b/p failed: no route to host'));
  await t.rejects(store.fetchSegment(name), new AgentError(`fetching ${name} in store s3://b/p failed: no route to host`));
  await t.rejects(store.deleteSegment(name), new AgentError(`removing ${name} in store s3://b/p failed: no route to host`));
  const { Readable } = await import('node:stream');
  const source = Readable.from([Buffer.from('x')]);
  await t.rejects(store.saveSegment(name, source, { sha256: sha256Of(Buffer.from('x')) }), new AgentError(`saving ${name} in store s3://b/p failed: no route to host`));
  t.equal(source.destroyed, true);
});
