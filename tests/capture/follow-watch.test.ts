import t, { type Test } from 'tap';
import { WatchFollower } from '../../src/capture/follow-watch.ts';
import { CaptureStatusKeeper } from '../../src/capture/capture-status.ts';
import { SegmentChain } from '../../src/capture/segment-chain.ts';
import type { CaptureStatus, ChainBase } from '../../src/delta/delta-types.ts';
import { createLogger } from '../../src/log/logger.ts';
import { systemClock } from '../../src/clock/clock.ts';
import { tempDir } from '../support/files/dirs.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { created, fakeWatch, puts } from '../fakes/fake-watch.ts';
import { readChain, revisionRun, range } from './capture-support.ts';

// The follower over a scripted watch: a stream cut mid-chain is reopened at the last appended revision + 1, a
// revision sent again is dropped, and every revision is kept once; a watch of another cluster starts no segment.

const CLUSTER = '2748'; // 0xabc
const BASE: ChainBase = { name: 'etcd-snapshot-2026-12-01-10.00.00.tar.gz', stamp: '2026-12-01-10.00.00', revision: 10, created: '2026-12-01T10:00:00.000Z', clusterId: 'abc' };

const follower = async (t: Test, source: ReturnType<typeof fakeWatch>) => {
  const dir = await tempDir(t, 'follow-watch');
  const lines: string[] = [];
  const states: CaptureStatus[] = [];
  const initial: CaptureStatus = { state: 'running', base: BASE.name, coveredRevision: 10, coveredAt: BASE.created, gaps: [], intervalSeconds: 1 };
  const status = new CaptureStatusKeeper((change) => { const state = {} as { capture?: CaptureStatus }; change(state as never); if (state.capture) states.push(state.capture); }, initial);
  const options = { dir, recipients: [], maxBytes: 16 * 2 ** 20, maxAgeMs: 60_000, onClosed: async () => undefined, onSwitch: () => undefined };
  const stop = new AbortController();
  const follow = new WatchFollower({
    source, clock: systemClock, log: createLogger(async (level, message) => void lines.push(`${level}: ${message}`)), status, chain: options, intervalMs: 50,
    baseOf: async () => undefined, newest: async () => BASE, snapshot: async () => false,
  }, stop.signal);
  const running = follow.run(new SegmentChain(options, BASE, 10), undefined);
  return { dir, lines, states, status, stop, running };
};

t.test('a stream cut after revision 13 reopens at 14; 13 sent again is dropped; 11..16 kept once each', async (t) => {
  const source = fakeWatch([
    { responses: [created(CLUSTER, 10), puts(CLUSTER, [11, 12]), puts(CLUSTER, [13])], end: new Error('connection reset by peer'), progressRevision: 13 },
    { responses: [created(CLUSTER, 16), puts(CLUSTER, [13]), puts(CLUSTER, [14, 15, 16])], end: 'hold', progressRevision: 16 },
  ]);
  const f = await follower(t, source);
  await waitFor('revision 16 covered', async () => (f.status.current.coveredRevision >= 16 ? true : undefined), 10_000);
  f.stop.abort();
  await f.running;
  t.strictSame(source.opened, [11, 14], 'opened from the base + 1, then from the last appended + 1');
  const chain = await readChain(f.dir, BASE.stamp);
  t.strictSame(revisionRun(chain.events), range(11, 16), 'every revision once, in order');
  t.strictSame(chain.events.map((e) => e.key.toString()), range(11, 16).map((r) => `/registry/k/${r}`));
  t.strictSame(f.lines.filter((l) => l.includes('broke')), ['WARNING: capture: the watch on http://fake-etcd:2379 broke (connection reset by peer); reconnecting, to resume at revision 14']);
  t.strictSame(f.lines.filter((l) => l.includes('resumed')).length, 1, 'one line when it resumed');
});

t.test('a watch answered by another cluster writes nothing and asks for a new chain', async (t) => {
  const source = fakeWatch([
    { responses: [created('4095', 10), puts('4095', [11])], end: 'hold', progressRevision: 11 },
  ]);
  const f = await follower(t, source);
  await waitFor('the new chain asked for', async () => (f.lines.some((l) => l.includes('starting a new chain')) ? true : undefined), 10_000);
  f.stop.abort();
  await f.running;
  t.strictSame(f.lines.filter((l) => l.includes('starting a new chain')), ["WARNING: capture: etcd's cluster id is fff, not abc as at etcd-snapshot-2026-12-01-10.00.00.tar.gz (the cluster was restored or replaced); starting a new chain from a new full snapshot"]);
  t.strictSame((await readChain(f.dir, BASE.stamp)).events, [], 'no event of the other cluster kept');
});
