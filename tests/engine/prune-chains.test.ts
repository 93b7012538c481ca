import t, { type Test } from 'tap';
import { createReadStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChainBase } from '../../src/delta/delta-types.ts';
import { pruneSnapshots } from '../../src/engine/prune-snapshots.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import type { DeltaStore } from '../../src/store/delta-store.ts';
import { localDeltaStore } from '../../src/store/local-delta-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import { s3DeltaStore } from '../../src/store/s3-delta-store.ts';
import { s3ContextOf, s3StoreOn } from '../../src/store/s3-store.ts';
import { tempDir } from '../support/files/dirs.ts';
import { startS3 } from '../support/s3/server.ts';
import { chainBase, writeBase, writeSegment } from '../delta/window-fixture.ts';

const day = (d: number): ChainBase => chainBase(`2026-12-0${d}-10.00.00`, d * 100);
const seg = (d: number, first: number, last: number): string => `etcd-delta-2026-12-0${d}-10.00.00-${first}-${last}.jsonl.gz`;
const withSidecars = (names: string[]): string[] => names.flatMap((n) => [n, `${n}.sha256`]);

// Scheduled bases on days 2-5 (revision 100 × day), each with two segments; day 1's segments whose base is gone,
// day 7's segments of a base not listed (yet); a manual base on day 6 with one segment; and files that only look
// like segments.
const FOREIGN = ['etcd-delta-2026-12-02-10.00.00-201-210.jsonl.gz.bak', 'etcd-delta-notes.txt', '.etcd-agent-delta-2026-12-05-10.00.00-541.partial-abc-1', 'etcd-delta-2026-12-01-10.00.00-0101-110.jsonl.gz'];
const seeded = async (t: Test): Promise<string> => {
  const dir = await tempDir(t, 'prune-chains');
  for (const d of [2, 3, 4, 5]) {
    await writeBase(dir, day(d));
    await writeSegment(dir, day(d), d * 100 + 1, d * 100 + 10);
    await writeSegment(dir, day(d), d * 100 + 11, d * 100 + 20);
  }
  await writeBase(dir, day(6), { trigger: 'manual' });
  await writeSegment(dir, day(6), 601, 610);
  await writeSegment(dir, day(1), 101, 110);
  await writeSegment(dir, day(1), 111, 120);
  await writeSegment(dir, day(7), 701, 710);
  for (const name of FOREIGN) await writeFile(join(dir, name), 'x');
  return dir;
};

const archives = (days: number[]): string[] => withSidecars(days.map((d) => day(d).name));

t.test('a removed base takes its chain\'s segments and sidecars; orphans older than the oldest kept base go; nothing else', async (t) => {
  const dir = await seeded(t);
  const chains: string[] = [];
  const outcome = await pruneSnapshots(localStore(dir), 2, { deltas: localDeltaStore(dir), onRemoveChain: (c) => chains.push(`${c.base ?? c.stamp}: ${c.segments.length}`) });
  t.strictSame(outcome.removed.map((s) => s.name), [day(3).name, day(2).name]);
  t.strictSame(
    outcome.chains!.map((c) => [c.base, c.stamp, c.segments.map((s) => s.name)]),
    [
      [day(3).name, '2026-12-03-10.00.00', [seg(3, 301, 310), seg(3, 311, 320)]],
      [day(2).name, '2026-12-02-10.00.00', [seg(2, 201, 210), seg(2, 211, 220)]],
      [undefined, '2026-12-01-10.00.00', [seg(1, 101, 110), seg(1, 111, 120)]],
    ],
  );
  t.strictSame(chains, [`${day(3).name}: 2`, `${day(2).name}: 2`, '2026-12-01-10.00.00: 2']);
  t.strictSame(
    (await readdir(dir)).sort(),
    [
      ...archives([4, 5, 6]),
      ...withSidecars([seg(4, 401, 410), seg(4, 411, 420), seg(5, 501, 510), seg(5, 511, 520), seg(6, 601, 610), seg(7, 701, 710)]),
      ...FOREIGN,
    ].sort(),
  );
  const again = await pruneSnapshots(localStore(dir), 2, { deltas: localDeltaStore(dir) });
  t.strictSame([again.removed, again.chains], [[], []], 'a second prune has nothing to do');
});

t.test('a dry run plans the same and removes nothing; without deltas no segment is touched', async (t) => {
  const dir = await seeded(t);
  const before = (await readdir(dir)).sort();
  const dry = await pruneSnapshots(localStore(dir), 2, { dryRun: true, deltas: localDeltaStore(dir) });
  t.strictSame(dry.chains!.map((c) => [c.base, c.segments.length]), [[day(3).name, 2], [day(2).name, 2], [undefined, 2]]);
  t.strictSame((await readdir(dir)).sort(), before);
  const plain = await pruneSnapshots(localStore(dir), 3);
  t.strictSame(plain.removed.map((s) => s.name), [day(2).name]);
  t.equal(plain.chains, undefined);
  t.strictSame((await readdir(dir)).sort(), before.filter((n) => !archives([2]).includes(n)), 'day 2\'s segments stay: they become orphans');
});

t.test('the newest chain is never removed, whatever the retention', async (t) => {
  const dir = await seeded(t);
  // Without the manual base, day 5 is the newest: retention 0 still keeps it, and its chain.
  await localStore(dir).delete(day(6).name);
  const outcome = await pruneSnapshots(localStore(dir), 0, { deltas: localDeltaStore(dir) });
  t.strictSame(outcome.removed.map((s) => s.name), [day(4).name, day(3).name, day(2).name]);
  t.strictSame(outcome.kept.map((s) => s.name), [day(5).name]);
  // Day 6's and day 7's segments have no base, but are newer than the oldest kept base: capture may be writing them.
  t.strictSame(
    (await readdir(dir)).sort(),
    [...archives([5]), ...withSidecars([seg(5, 501, 510), seg(5, 511, 520), seg(6, 601, 610), seg(7, 701, 710)]), ...FOREIGN].sort(),
  );
});

t.test('a segment that cannot be removed stops the prune before its base, saying what was removed', async (t) => {
  const dir = await seeded(t);
  const local = localDeltaStore(dir);
  const flaky: DeltaStore = {
    location: local.location,
    listSegments: (o) => local.listSegments(o),
    fetchSegment: (n, o) => local.fetchSegment(n, o),
    deleteSegment: async (n, o) => {
      if (n === seg(2, 211, 220)) throw new AgentError('permission denied');
      return local.deleteSegment(n, o);
    },
  };
  await t.rejects(
    pruneSnapshots(localStore(dir), 2, { deltas: flaky }),
    new AgentError(`pruning store local stopped at delta segment ${seg(2, 211, 220)}: permission denied (already removed: ${day(3).name} and 3 delta segment(s))`),
  );
  const left = await readdir(dir);
  t.ok(left.includes(day(2).name), 'the base of the chain it stopped in stays');
  t.ok(left.includes(seg(1, 101, 110)), 'nothing after the failure was touched');
});

t.test('in S3, a removed base takes its chain\'s segments and sidecars; other keys stay', async (t) => {
  const s3 = await startS3({ bucket: 'etcd-backups' });
  t.teardown(() => s3.stop());
  const prefix = 'etcd-snapshots/etcd/etcd-0';
  const context = s3ContextOf({
    endpoint: s3.endpoint,
    bucket: 'etcd-backups',
    region: 'us-east-1',
    prefix,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    retries: 2,
    retryBaseDelayMs: 10,
  });
  const remote = s3StoreOn(context);
  const deltas = s3DeltaStore(context);
  const dir = await seeded(t);
  for (const snapshot of await localStore(dir).list()) await remote.save(snapshot.name, createReadStream(join(dir, snapshot.name)), { sha256: snapshot.sha256! });
  for (const segment of await localDeltaStore(dir).listSegments()) await deltas.saveSegment(segment.name, createReadStream(join(dir, segment.name)), { sha256: segment.sha256! });
  const before = await s3.keys();
  const outcome = await pruneSnapshots(remote, 2, { deltas });
  t.strictSame(outcome.removed.map((s) => s.name), [day(3).name, day(2).name]);
  t.strictSame(outcome.chains!.map((c) => [c.base, c.segments.map((s) => s.name)]), [
    [day(3).name, [seg(3, 301, 310), seg(3, 311, 320)]],
    [day(2).name, [seg(2, 201, 210), seg(2, 211, 220)]],
    [undefined, [seg(1, 101, 110), seg(1, 111, 120)]],
  ]);
  const gone = [...archives([2, 3]), ...withSidecars([seg(3, 301, 310), seg(3, 311, 320), seg(2, 201, 210), seg(2, 211, 220), seg(1, 101, 110), seg(1, 111, 120)])].map((n) => `${prefix}/${n}`);
  t.ok(gone.every((key) => before.includes(key)), 'every removed key was there');
  t.strictSame((await s3.keys()).sort(), before.filter((key) => !gone.includes(key)).sort());
});
