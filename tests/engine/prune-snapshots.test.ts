import t, { type Test } from 'tap';
import { readdir, writeFile } from 'node:fs/promises';
import { pruneSnapshots } from '../../src/engine/prune-snapshots.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { failingStore } from '../../src/store/failing-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import type { SnapshotStore } from '../../src/store/snapshot-store.ts';
import { tempDir } from '../support/files/dirs.ts';
import { fakeManifest, makeArchive } from '../store/archive-fixture.ts';
import { rejectsAgentError } from '../store/store-contract.ts';

const name = (day: number): string => `etcd-snapshot-2024-05-${String(day).padStart(2, '0')}-10.00.00.tar.gz`;

// A snapshot dir with scheduled snapshots on days 1-5, a manual one on day 6 and a foreign file.
const seeded = async (t: Test): Promise<string> => {
  const dir = await tempDir(t, 'prune');
  for (const day of [1, 2, 3, 4, 5]) await makeArchive(dir, name(day), { manifest: fakeManifest({ trigger: 'scheduled' }) });
  await makeArchive(dir, name(6), { manifest: fakeManifest({ trigger: 'manual' }) });
  await writeFile(`${dir}/etcd-snapshot-notes.txt`, 'notes');
  return dir;
};

t.test('removes scheduled snapshots beyond the retention, with their sidecars, and reports each', async (t) => {
  const dir = await seeded(t);
  const heard: string[] = [];
  const outcome = await pruneSnapshots(localStore(dir), 2, { onRemove: (s) => heard.push(s.name) });
  t.same(outcome.removed.map((s) => s.name), [name(3), name(2), name(1)]);
  t.same(outcome.kept.map((s) => s.name), [name(6), name(5), name(4)]);
  t.same(heard, [name(3), name(2), name(1)]);
  t.same((await readdir(dir)).sort(), [name(4), `${name(4)}.sha256`, name(5), `${name(5)}.sha256`, name(6), `${name(6)}.sha256`, 'etcd-snapshot-notes.txt'].sort());
  const again = await pruneSnapshots(localStore(dir), 2);
  t.same(again.removed, [], 'a second prune has nothing to do');
});

t.test('a dry run reports the same and removes nothing', async (t) => {
  const dir = await seeded(t);
  const before = (await readdir(dir)).sort();
  const heard: string[] = [];
  const outcome = await pruneSnapshots(localStore(dir), 3, { dryRun: true, onRemove: (s) => heard.push(s.name) });
  t.same(outcome.removed.map((s) => s.name), [name(2), name(1)]);
  t.same(heard, [name(2), name(1)]);
  t.equal(outcome.kept.length, 4);
  t.same((await readdir(dir)).sort(), before);
});

t.test('a missing directory: nothing removed, nothing kept', async (t) => {
  const outcome = await pruneSnapshots(localStore(`${await tempDir(t, 'prune-missing')}/nope`), 1);
  t.same(outcome, { removed: [], kept: [] });
});

t.test('a store that cannot list fails the prune with its message', async (t) => {
  await rejectsAgentError(t, pruneSnapshots(failingStore('bucket gone', 's3://b/p'), 1), /^listing snapshots in store s3:\/\/b\/p failed: bucket gone$/, 'prune');
});

t.test('a removal that fails stops the prune and says what was already removed', async (t) => {
  const dir = await seeded(t);
  const local = localStore(dir);
  const flaky: SnapshotStore = {
    location: local.location,
    list: (o) => local.list(o),
    fetch: (n, o) => local.fetch(n, o),
    delete: async (n, o) => {
      if (n === name(2)) throw new AgentError('permission denied');
      return local.delete(n, o);
    },
  };
  const message = await rejectsAgentError(t, pruneSnapshots(flaky, 2), /pruning store local stopped at .*05-02.*permission denied/, 'prune');
  t.match(message, new RegExp(`already removed: ${name(3).replace(/\./g, '\\.')}`));
  t.notOk((await readdir(dir)).includes(name(3)));
  t.ok((await readdir(dir)).includes(name(1)), 'nothing after the failure was touched');
});
