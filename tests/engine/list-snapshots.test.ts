import t from 'tap';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listSnapshots } from '../../src/engine/list-snapshots.ts';
import { failingStore } from '../../src/store/failing-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import { tempDir } from '../support/files/dirs.ts';
import { fakeManifest, makeArchive } from '../store/archive-fixture.ts';
import { rejectsAgentError } from '../store/store-contract.ts';

const name = (day: number): string => `etcd-snapshot-2024-05-${String(day).padStart(2, '0')}-10.00.00.tar.gz`;

t.test('merges stores newest first, each entry naming its location', async (t) => {
  const a = await tempDir(t, 'list-a');
  const b = await tempDir(t, 'list-b');
  for (const day of [1, 4]) await makeArchive(a, name(day), { manifest: fakeManifest() });
  for (const day of [2, 3]) await makeArchive(b, name(day), { manifest: fakeManifest() });
  const other = localStore(b);
  const relabelled = { ...other, location: 's3://bucket/etcd', list: async () => (await other.list()).map((s) => ({ ...s, location: 's3://bucket/etcd' })) };
  const listed = await listSnapshots([localStore(a), relabelled]);
  t.same(listed.map((s) => [s.name, s.location]), [
    [name(4), 'local'],
    [name(3), 's3://bucket/etcd'],
    [name(2), 's3://bucket/etcd'],
    [name(1), 'local'],
  ]);
  t.same(await listSnapshots([]), []);
});

t.test('the same name in two stores is listed once per store', async (t) => {
  const a = await tempDir(t, 'list-same');
  const { path } = await makeArchive(a, name(1), { manifest: fakeManifest() });
  const copyDir = await tempDir(t, 'list-copy');
  await copyFile(path, join(copyDir, name(1)));
  const copy = localStore(copyDir);
  t.equal((await listSnapshots([localStore(a), copy])).length, 2);
});

t.test('a failing store fails the listing with a clear message', async (t) => {
  await rejectsAgentError(t, listSnapshots([localStore(await tempDir(t, 'list-ok')), failingStore('timed out after 30s', 's3://b')]), /^listing snapshots in store s3:\/\/b failed: timed out after 30s$/, 'list');
});
