import t, { type Test } from 'tap';
import { join } from 'node:path';
import type { ChainBase, DeltaEvent } from '../../src/delta/delta-types.ts';
import type { ClosedSegment } from '../../src/delta/segment-writer.ts';
import { readSegment } from '../../src/delta/segment-reader.ts';
import { RevisionGapError, SegmentChain, chainStart } from '../../src/capture/segment-chain.ts';
import { tempDir } from '../support/files/dirs.ts';

const base = (stamp: string, revision: number): ChainBase => ({ name: `etcd-snapshot-${stamp}.tar.gz`, stamp, revision, created: '2026-12-01T14:00:00.000Z', clusterId: 'abc' });
const event = (revision: number, key = `/k/${revision}`): DeltaEvent => ({ revision, type: 'put', key: Buffer.from(key), value: Buffer.from(`v${revision}`), lease: '0', createRevision: revision, version: 1, time: '2026-12-01T14:00:01.000Z' });
const events = (first: number, last: number): DeltaEvent[] => Array.from({ length: last - first + 1 }, (_, i) => event(first + i));
const AT = new Date('2026-12-01T14:00:02.000Z');

const setup = async (t: Test, maxBytes = 1 << 20) => {
  const dir = await tempDir(t, 'chain');
  const closed: { segment: ClosedSegment; base: string }[] = [];
  const switched: string[] = [];
  const options = {
    dir,
    recipients: [],
    maxBytes,
    maxAgeMs: 3_600_000,
    onClosed: async (segment: ClosedSegment, of: ChainBase) => void closed.push({ segment, base: of.name }),
    onSwitch: (to: ChainBase) => void switched.push(to.name),
  };
  return { dir, closed, switched, options };
};

const revisionsIn = async (dir: string, name: string): Promise<number[]> => {
  const seen: number[] = [];
  await readSegment(join(dir, name), (e) => void seen.push(e.revision));
  return seen;
};

t.test('a new base ahead of the chain: events up to its revision stay in the old chain, the rest start the new one at revision + 1', async (t) => {
  const { dir, closed, switched, options } = await setup(t);
  const chain = new SegmentChain(options, base('2026-12-01-14.00.00', 10), 10);
  t.equal(await chain.switchTo(base('2026-12-01-14.05.00', 15), AT), 'later');
  await chain.appendResponse(events(11, 13), 'abc', AT);
  await chain.appendResponse(events(14, 20), 'abc', AT);
  await chain.close(AT);
  t.strictSame(closed.map((c) => c.segment.name), ['etcd-delta-2026-12-01-14.00.00-11-15.jsonl.gz', 'etcd-delta-2026-12-01-14.05.00-16-20.jsonl.gz']);
  t.strictSame(closed.map((c) => c.base), ['etcd-snapshot-2026-12-01-14.00.00.tar.gz', 'etcd-snapshot-2026-12-01-14.05.00.tar.gz']);
  t.strictSame(switched, ['etcd-snapshot-2026-12-01-14.05.00.tar.gz']);
  t.strictSame(await revisionsIn(dir, closed[1]!.segment.name), [16, 17, 18, 19, 20]);
  t.equal(closed[1]!.segment.manifest.baseRevision, 15);
});

t.test('a new base the chain already passed: the open segment closes and the chain goes on from the base\'s revision', async (t) => {
  const { closed, options } = await setup(t);
  const chain = new SegmentChain(options, base('2026-12-01-14.00.00', 10), 10);
  await chain.appendResponse(events(11, 20), 'abc', AT);
  t.equal(await chain.switchTo(base('2026-12-01-14.05.00', 15), AT), 'now');
  t.strictSame([chain.last, chain.closedLast], [15, 15]);
  // The watch is read again from 16: those revisions go to the new chain.
  await chain.appendResponse(events(16, 21), 'abc', AT);
  await chain.close(AT);
  t.strictSame(closed.map((c) => c.segment.name), ['etcd-delta-2026-12-01-14.00.00-11-20.jsonl.gz', 'etcd-delta-2026-12-01-14.05.00-16-21.jsonl.gz']);
});

t.test('revisions sent again are dropped; a skipped revision is a gap; several events of one revision stay together', async (t) => {
  const { dir, closed, options } = await setup(t);
  const chain = new SegmentChain(options, base('2026-12-01-14.00.00', 10), 10);
  await chain.appendResponse([...events(11, 12), event(13, '/a'), event(13, '/b')], 'abc', AT);
  await chain.appendResponse(events(12, 15), 'abc', AT);
  t.equal(chain.duplicates, 2, "revisions 12 and 13 again");
  await t.rejects(chain.appendResponse([event(17)], 'abc', AT), new RevisionGapError(16, 17));
  await chain.close(AT);
  t.strictSame(await revisionsIn(dir, closed[0]!.segment.name), [11, 12, 13, 13, 14, 15]);
  t.equal(closed[0]!.segment.manifest.count, 6);
});

t.test('a segment closes after the response that took it to max bytes, never inside one', async (t) => {
  const { closed, options } = await setup(t, 200);
  const chain = new SegmentChain(options, base('2026-12-01-14.00.00', 10), 10);
  await chain.appendResponse(events(11, 11), 'abc', AT);
  t.equal(closed.length, 0);
  await chain.appendResponse(events(12, 14), 'abc', AT);
  t.strictSame(closed.map((c) => c.segment.name), ['etcd-delta-2026-12-01-14.00.00-11-14.jsonl.gz']);
  await chain.appendResponse(events(15, 15), 'abc', AT);
  await chain.close(AT);
  t.strictSame(closed.map((c) => c.segment.name).at(-1), 'etcd-delta-2026-12-01-14.00.00-15-15.jsonl.gz');
  t.equal(chain.closedLast, 15);
});

t.test('an empty store\'s snapshot (revision 0) stands for revision 1, which holds no event', async (t) => {
  t.equal(chainStart(base('2026-12-01-14.00.00', 0)), 1);
  t.equal(chainStart(base('2026-12-01-14.00.00', 7)), 7);
});
