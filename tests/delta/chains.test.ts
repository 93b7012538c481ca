import t from 'tap';
import { buildChains, chainEnd, planReplay, recoverableWindow, replayPath, type PointTarget } from '../../src/delta/chains.ts';
import type { CaptureStatus, ChainBase, SegmentManifest, SegmentName } from '../../src/delta/delta-types.ts';
import { parseSegmentName, segmentName } from '../../src/delta/segment-name.ts';
import { AgentError } from '../../src/errors/agent-error.ts';

const A = '2026-12-01-14.00.00';
const B = '2026-12-01-20.00.00';
const C = '2026-12-02-02.00.00';

const base = (stamp: string, revision: number, created: string): ChainBase => ({
  name: `etcd-snapshot-${stamp}.tar.gz`,
  stamp,
  revision,
  created,
  clusterId: 'cdf818194e3a8c32',
});

const seg = (stamp: string, first: number, last: number, encrypted = false): SegmentName => parseSegmentName(segmentName(stamp, first, last, encrypted))!;

const manifest = (segment: SegmentName, lastEventTime: string): SegmentManifest => ({
  kind: 'etcd-agent-delta',
  format: 1,
  base: `etcd-snapshot-${segment.stamp}.tar.gz`,
  baseRevision: 0,
  clusterId: 'cdf818194e3a8c32',
  firstRevision: segment.firstRevision,
  lastRevision: segment.lastRevision,
  firstEventTime: lastEventTime,
  lastEventTime,
  count: segment.lastRevision - segment.firstRevision + 1,
  closedAt: lastEventTime,
});

const capture = (over: Partial<CaptureStatus> = {}): CaptureStatus => ({
  state: 'running',
  base: `etcd-snapshot-${B}.tar.gz`,
  coveredRevision: 400,
  coveredAt: '2026-12-01T20:10:00.000Z',
  gaps: [],
  intervalSeconds: 10,
  ...over,
});

const baseA = base(A, 100, '2026-12-01T14:00:00.000Z');
const baseB = base(B, 300, '2026-12-01T20:00:00.000Z');
const baseC = base(C, 600, '2026-12-02T02:00:00.000Z');

const byRevision = (revision: number): PointTarget => ({ kind: 'revision', revision, given: String(revision), param: 'to-revision' });
const byTime = (given: string): PointTarget => ({ kind: 'time', time: new Date(given), given, param: 'to-time' });

t.test('buildChains gives each base, oldest first, the segments of its stamp in revision order', async (t) => {
  const chains = buildChains([baseB, baseA], [seg(B, 301, 350), seg(A, 151, 200), seg(A, 101, 150), seg(B, 351, 400)]);
  t.strictSame(
    chains.map((chain) => [chain.base.name, chain.segments.map((s) => s.name), chain.holes]),
    [
      [baseA.name, ['etcd-delta-2026-12-01-14.00.00-101-150.jsonl.gz', 'etcd-delta-2026-12-01-14.00.00-151-200.jsonl.gz'], []],
      [baseB.name, ['etcd-delta-2026-12-01-20.00.00-301-350.jsonl.gz', 'etcd-delta-2026-12-01-20.00.00-351-400.jsonl.gz'], []],
    ],
  );
});

t.test('buildChains takes a name listed twice once, leaves segments of no base out, and finds holes', async (t) => {
  const chains = buildChains([baseA, baseA, baseB], [seg(A, 101, 150), seg(A, 101, 150), seg(A, 181, 200), seg(A, 201, 250), seg(C, 601, 700), seg(B, 320, 330)]);
  t.equal(chains.length, 2);
  t.strictSame(chains[0]!.segments.map((s) => [s.firstRevision, s.lastRevision]), [[101, 150], [181, 200], [201, 250]]);
  t.strictSame(chains[0]!.holes, [{ fromRevision: 151, toRevision: 180 }]);
  // A chain whose first segment does not start right after its base has a hole from base + 1.
  t.strictSame(chains[1]!.holes, [{ fromRevision: 301, toRevision: 319 }]);
  t.strictSame(replayPath(chains[0]!).map((s) => s.name), ['etcd-delta-2026-12-01-14.00.00-101-150.jsonl.gz']);
  t.strictSame(replayPath(chains[1]!), []);
});

t.test('buildChains walks the longer of two segments starting at one revision and never counts an overlap as a hole', async (t) => {
  const [chain] = buildChains([baseA], [seg(A, 101, 150), seg(A, 101, 120), seg(A, 140, 160), seg(A, 151, 170)]);
  t.strictSame(chain!.segments.map((s) => [s.firstRevision, s.lastRevision]), [[101, 150], [101, 120], [140, 160], [151, 170]]);
  t.strictSame(chain!.holes, []);
  t.strictSame(replayPath(chain!).map((s) => [s.firstRevision, s.lastRevision]), [[101, 150], [151, 170]]);
});

t.test('buildChains gives a stamp shared by two bases to the first of them only', async (t) => {
  const other = { ...base(A, 100, baseA.created), name: `etcd-snapshot-${A}.tar.zst` };
  const chains = buildChains([other, baseA], [seg(A, 101, 150)]);
  t.strictSame(chains.map((chain) => [chain.base.name, chain.segments.length]), [[baseA.name, 1], [other.name, 0]]);
  t.strictSame(buildChains([], [seg(A, 101, 150)]), []);
});

t.test('chainEnd: the base with no segment, else the last walked segment at its trailer time', async (t) => {
  const [bare] = buildChains([baseA], []);
  t.strictSame(chainEnd(bare!, undefined, undefined), { time: '2026-12-01T14:00:00.000Z', revision: 100 });
  const [chain] = buildChains([baseA], [seg(A, 101, 150), seg(A, 151, 200)]);
  t.strictSame(chainEnd(chain!, manifest(seg(A, 151, 200), '2026-12-01T14:05:00.250Z'), undefined), { time: '2026-12-01T14:05:00.250Z', revision: 200 });
  // A trailer of another segment says nothing about the end: the fallback (by default the base's time) is taken.
  t.strictSame(chainEnd(chain!, manifest(seg(A, 101, 150), '2026-12-01T14:02:00.000Z'), undefined), { time: '2026-12-01T14:00:00.000Z', revision: 200 });
  t.strictSame(chainEnd(chain!, undefined, undefined, '2026-12-01T20:00:00.000Z'), { time: '2026-12-01T20:00:00.000Z', revision: 200 });
  // A fallback before the base is never taken.
  t.strictSame(chainEnd(chain!, undefined, undefined, '2026-12-01T13:00:00.000Z'), { time: '2026-12-01T14:00:00.000Z', revision: 200 });
});

t.test('chainEnd stops before a hole', async (t) => {
  const [chain] = buildChains([baseA], [seg(A, 101, 150), seg(A, 160, 200)]);
  t.strictSame(chainEnd(chain!, manifest(seg(A, 101, 150), '2026-12-01T14:01:00.000Z'), undefined), { time: '2026-12-01T14:01:00.000Z', revision: 150 });
  const [broken] = buildChains([baseA], [seg(A, 120, 200)]);
  t.strictSame(chainEnd(broken!, undefined, undefined), { time: '2026-12-01T14:00:00.000Z', revision: 100 });
});

t.test('chainEnd: the capture status of the chain carries its end to coveredAt when it covers exactly that revision', async (t) => {
  const [chain] = buildChains([baseB], [seg(B, 301, 400)]);
  const last = manifest(seg(B, 301, 400), '2026-12-01T20:05:00.000Z');
  t.strictSame(chainEnd(chain!, last, capture()), { time: '2026-12-01T20:10:00.000Z', revision: 400 });
  t.strictSame(chainEnd(chain!, undefined, capture()), { time: '2026-12-01T20:10:00.000Z', revision: 400 });
  // coveredAt is never taken back before the trailer's time.
  t.strictSame(chainEnd(chain!, last, capture({ coveredAt: '2026-12-01T20:01:00.000Z' })), { time: '2026-12-01T20:05:00.000Z', revision: 400 });
  // Another chain's status, or one that covers a different revision (a segment listed before the state was read,
  // or one that is missing), says nothing about this end.
  t.strictSame(chainEnd(chain!, last, capture({ base: baseA.name })), { time: '2026-12-01T20:05:00.000Z', revision: 400 });
  t.strictSame(chainEnd(chain!, last, capture({ coveredRevision: 450 })), { time: '2026-12-01T20:05:00.000Z', revision: 400 });
  t.strictSame(chainEnd(chain!, last, capture({ coveredRevision: 350 })), { time: '2026-12-01T20:05:00.000Z', revision: 400 });
  // An idle cluster: no segment yet, the capture confirmed nothing after the base.
  const [idle] = buildChains([baseB], []);
  t.strictSame(chainEnd(idle!, undefined, capture({ coveredRevision: 300 })), { time: '2026-12-01T20:10:00.000Z', revision: 300 });
});

t.test('recoverableWindow is absent with no chain, or with no segment and no capture status', async (t) => {
  t.equal(recoverableWindow([], [], undefined), undefined);
  t.equal(recoverableWindow([], [], capture()), undefined);
  const chains = buildChains([baseA, baseB], []);
  const ends = chains.map((chain) => chainEnd(chain, undefined, undefined));
  t.equal(recoverableWindow(chains, ends, undefined), undefined);
  t.throws(() => recoverableWindow(chains, ends.slice(1), undefined), new AgentError('cannot work out the recoverable window: 2 chain(s) but 1 chain end(s)'));
});

t.test('recoverableWindow: from the oldest base to the newest end, with each chain and its segment count', async (t) => {
  const chains = buildChains([baseA, baseB], [seg(A, 101, 200), seg(A, 201, 300), seg(B, 301, 400)]);
  const ends = [chainEnd(chains[0]!, undefined, undefined, baseB.created), chainEnd(chains[1]!, undefined, capture())];
  t.strictSame(recoverableWindow(chains, ends, capture()), {
    from: { time: '2026-12-01T14:00:00.000Z', revision: 100 },
    to: { time: '2026-12-01T20:10:00.000Z', revision: 400 },
    gaps: 0,
    chains: [
      { base: baseA.name, segments: 2, from: { time: '2026-12-01T14:00:00.000Z', revision: 100 }, to: { time: '2026-12-01T20:00:00.000Z', revision: 300 } },
      { base: baseB.name, segments: 1, from: { time: '2026-12-01T20:00:00.000Z', revision: 300 }, to: { time: '2026-12-01T20:10:00.000Z', revision: 400 } },
    ],
  });
  // Capture on, nothing written yet: the window is the newest base up to what the capture confirmed.
  const [only] = buildChains([baseB], []);
  const idle = capture({ coveredRevision: 300 });
  t.strictSame(recoverableWindow([only!], [chainEnd(only!, undefined, idle)], idle), {
    from: { time: '2026-12-01T20:00:00.000Z', revision: 300 },
    to: { time: '2026-12-01T20:10:00.000Z', revision: 300 },
    gaps: 0,
    chains: [{ base: baseB.name, segments: 0, from: { time: '2026-12-01T20:00:00.000Z', revision: 300 }, to: { time: '2026-12-01T20:10:00.000Z', revision: 300 } }],
  });
});

t.test('recoverableWindow counts holes, ranges between chains and recorded gaps, once each where they overlap', async (t) => {
  // A: 100..150, hole 151..160, dead 161..200; B: base 300 (201..299 between chains); C: base 600, 601..700.
  const chains = buildChains([baseA, baseB, baseC], [seg(A, 101, 150), seg(A, 161, 200), seg(C, 601, 700)]);
  const ends = chains.map((chain) => chainEnd(chain, undefined, undefined));
  t.strictSame(ends.map((end) => end.revision), [150, 300, 700]);
  // 151..299 (the hole runs into the range between A and B) and 301..599.
  t.equal(recoverableWindow(chains, ends, undefined)!.gaps, 2);
  // A recorded gap inside one already counted adds nothing; one elsewhere in the window adds one; one before the
  // window's start (its chain was pruned) adds nothing.
  const gaps = [
    { time: '2026-12-01T10:00:00.000Z', fromRevision: 20, toRevision: 40, reason: 'etcd compacted past revision 20' },
    { time: '2026-12-02T01:00:00.000Z', fromRevision: 500, toRevision: 550, reason: 'etcd compacted past revision 500' },
    { time: '2026-12-02T03:00:00.000Z', fromRevision: 640, toRevision: 650, reason: 'capture was off' },
  ];
  t.equal(recoverableWindow(chains, ends, capture({ base: baseC.name, coveredRevision: 700, gaps }))!.gaps, 3);
});

t.test('planReplay to a revision: the newest chain holding it, the segments up to the one holding it', async (t) => {
  const chains = buildChains([baseA, baseB], [seg(A, 101, 200), seg(A, 201, 300), seg(B, 301, 350), seg(B, 351, 400)]);
  const ends = chains.map((chain) => chainEnd(chain, undefined, undefined));
  const plan = planReplay(chains, ends, byRevision(250), undefined);
  t.equal(plan.chain, chains[0]);
  t.strictSame(plan.end, { time: '2026-12-01T14:00:00.000Z', revision: 300 });
  t.strictSame(plan.segments.map((s) => s.name), ['etcd-delta-2026-12-01-14.00.00-101-200.jsonl.gz', 'etcd-delta-2026-12-01-14.00.00-201-300.jsonl.gz']);
  t.strictSame(plan.target, byRevision(250));
  // 300 is both A's end and B's base: the newer chain, with nothing to replay.
  t.strictSame(planReplay(chains, ends, byRevision(300), undefined).segments, []);
  t.equal(planReplay(chains, ends, byRevision(300), undefined).chain, chains[1]);
  t.strictSame(planReplay(chains, ends, byRevision(351), undefined).segments.map((s) => s.lastRevision), [350, 400]);
  t.strictSame(planReplay(chains, ends, byRevision(100), undefined).segments, []);
});

t.test('planReplay to a time: the newest chain whose base is at or before it and whose end is at or after it, all its walked segments', async (t) => {
  const chains = buildChains([baseA, baseB], [seg(A, 101, 200), seg(B, 301, 350), seg(B, 352, 400)]);
  const ends = [chainEnd(chains[0]!, manifest(seg(A, 101, 200), '2026-12-01T15:00:00.000Z'), undefined), chainEnd(chains[1]!, manifest(seg(B, 301, 350), '2026-12-01T20:05:00.000Z'), undefined)];
  const plan = planReplay(chains, ends, byTime('2026-12-01T14:31:00Z'), undefined);
  t.equal(plan.chain, chains[0]);
  t.strictSame(plan.segments.map((s) => s.lastRevision), [200]);
  t.strictSame(planReplay(chains, ends, byTime('2026-12-01T14:00:00Z'), undefined).segments.map((s) => s.lastRevision), [200]);
  // Only the segments before the hole are walked.
  const late = planReplay(chains, ends, byTime('2026-12-01T20:05:00Z'), undefined);
  t.equal(late.chain, chains[1]);
  t.strictSame(late.segments.map((s) => s.lastRevision), [350]);
});

t.test('planReplay to a time after a chain ended but before the next base, when nothing changed in between', async (t) => {
  // A ends at revision 300 at 15:00; B's base is revision 300 at 20:00: etcd stayed at 300 all that time.
  const chains = buildChains([baseA, baseB], [seg(A, 101, 300)]);
  const ends = [chainEnd(chains[0]!, manifest(seg(A, 101, 300), '2026-12-01T15:00:00.000Z'), undefined), chainEnd(chains[1]!, undefined, undefined)];
  const plan = planReplay(chains, ends, byTime('2026-12-01T17:00:00Z'), undefined);
  t.equal(plan.chain, chains[0]);
  t.strictSame(plan.end, { time: '2026-12-01T20:00:00.000Z', revision: 300 });
});

t.test('planReplay refuses a target past the window, naming it and the nearest point', async (t) => {
  const chains = buildChains([baseA], [seg(A, 101, 4200)]);
  const ends = [chainEnd(chains[0]!, manifest(seg(A, 101, 4200), '2026-12-01T14:32:10.000Z'), undefined)];
  t.throws(
    () => planReplay(chains, ends, byRevision(5000), undefined),
    new AgentError('to-revision 5000 is not recoverable: the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T14:32:10.000Z (revision 4200); the nearest recoverable point is revision 4200 (2026-12-01T14:32:10.000Z)'),
  );
  t.throws(
    () => planReplay(chains, ends, byTime('2026-12-01T14:40:00Z'), undefined),
    new AgentError('to-time 2026-12-01T14:40:00Z is not recoverable: the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T14:32:10.000Z (revision 4200); the nearest recoverable point is revision 4200 (2026-12-01T14:32:10.000Z)'),
  );
  t.throws(
    () => planReplay(chains, ends, byRevision(99), undefined),
    new AgentError('to-revision 99 is not recoverable: the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T14:32:10.000Z (revision 4200); the nearest recoverable point is revision 100 (2026-12-01T14:00:00.000Z)'),
  );
  t.throws(
    () => planReplay(chains, ends, byTime('2026-12-01T13:59:59Z'), undefined),
    new AgentError('to-time 2026-12-01T13:59:59Z is not recoverable: the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T14:32:10.000Z (revision 4200); the nearest recoverable point is revision 100 (2026-12-01T14:00:00.000Z)'),
  );
});

t.test('planReplay refuses a target in a gap, naming the points on either side', async (t) => {
  const chains = buildChains([baseA, baseB], [seg(A, 101, 150), seg(A, 161, 200), seg(B, 301, 400)]);
  const ends = [chainEnd(chains[0]!, manifest(seg(A, 101, 150), '2026-12-01T14:10:00.000Z'), undefined), chainEnd(chains[1]!, undefined, capture())];
  const window = 'the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T20:10:00.000Z (revision 400) with 1 gap';
  t.throws(
    () => planReplay(chains, ends, byRevision(155), capture()),
    new AgentError(`to-revision 155 is not recoverable: ${window}; the nearest recoverable points are revision 150 (2026-12-01T14:10:00.000Z) and revision 300 (2026-12-01T20:00:00.000Z)`),
  );
  // Segments after a hole are not replayed: 180 lies in one, and is refused the same way.
  t.throws(() => planReplay(chains, ends, byRevision(180), capture()), new AgentError(`to-revision 180 is not recoverable: ${window}; the nearest recoverable points are revision 150 (2026-12-01T14:10:00.000Z) and revision 300 (2026-12-01T20:00:00.000Z)`));
  t.throws(
    () => planReplay(chains, ends, byTime('2026-12-01T16:00:00Z'), capture()),
    new AgentError(`to-time 2026-12-01T16:00:00Z is not recoverable: ${window}; the nearest recoverable points are revision 150 (2026-12-01T14:10:00.000Z) and revision 300 (2026-12-01T20:00:00.000Z)`),
  );
  const gaps = [{ time: '2026-12-01T19:00:00.000Z', fromRevision: 250, toRevision: 290, reason: 'etcd compacted past revision 250' }];
  t.throws(
    () => planReplay(chains, ends, byRevision(260), capture({ gaps })),
    new AgentError('to-revision 260 is not recoverable: the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T20:10:00.000Z (revision 400) with 1 gap; the nearest recoverable points are revision 150 (2026-12-01T14:10:00.000Z) and revision 300 (2026-12-01T20:00:00.000Z)'),
  );
});

t.test('planReplay refuses with no base, a bad target, or ends that do not match the chains', async (t) => {
  t.throws(() => planReplay([], [], byRevision(5), undefined), new AgentError('to-revision 5 is not recoverable: there is no full snapshot to replay from; take one with the snapshot action'));
  const chains = buildChains([baseA], []);
  const ends = [chainEnd(chains[0]!, undefined, undefined)];
  t.throws(() => planReplay(chains, ends, byTime('yesterday'), undefined), new AgentError('to-time yesterday is not a time: give an RFC 3339 UTC time such as 2026-12-01T14:31:00Z'));
  t.throws(() => planReplay(chains, ends, { ...byRevision(0), given: '0' }, undefined), new AgentError('to-revision 0 is not a revision: give a whole number of at least 1'));
  t.throws(() => planReplay(chains, [], byRevision(100), undefined), new AgentError('cannot work out the recoverable window: 1 chain(s) but 0 chain end(s)'));
  // Without capture, the snapshot itself is still a point.
  t.strictSame(planReplay(chains, ends, byRevision(100), undefined).segments, []);
  t.throws(() => planReplay(chains, ends, byRevision(101), undefined), new AgentError('to-revision 101 is not recoverable: the recoverable window is 2026-12-01T14:00:00.000Z (revision 100) to 2026-12-01T14:00:00.000Z (revision 100); the nearest recoverable point is revision 100 (2026-12-01T14:00:00.000Z)'));
});
