import t from 'tap';
import { snapshotName } from '../../src/archive/snapshot-name.ts';
import type { SegmentName } from '../../src/delta/delta-types.ts';
import { parseSegmentName, segmentName } from '../../src/delta/segment-name.ts';
import { planChainRetention } from '../../src/policy/chain-retention.ts';
import { planRetention } from '../../src/policy/retention.ts';
import type { StoredSnapshot } from '../../src/store/snapshot-store.ts';
import { fakeManifest } from '../store/archive-fixture.ts';

const BASE = Date.UTC(2024, 4, 1, 0, 0, 0);

const at = (hour: number): Date => new Date(BASE + hour * 3_600_000);
const stamp = (hour: number): string => snapshotName(at(hour)).slice('etcd-snapshot-'.length, -'.tar.gz'.length);

// A snapshot taken `hour` hours after BASE: s = scheduled, m = manual.
const snap = (hour: number, kind: 's' | 'm'): StoredSnapshot => {
  const manifest = fakeManifest({ trigger: kind === 's' ? 'scheduled' : 'manual' });
  return { name: snapshotName(at(hour)), location: 'local', bytes: 1, diskBytes: 4096, sha256: undefined, created: at(hour), manifest, trigger: manifest.trigger };
};

const seg = (hour: number, first: number, last: number, encrypted = false): SegmentName => parseSegmentName(segmentName(stamp(hour), first, last, encrypted))!;

// What is removed, as [base, stamp hour, [first revisions]] for readable assertions.
const shape = (removals: ReturnType<typeof planChainRetention>) =>
  removals.map((chain) => [chain.base, chain.stamp, chain.segments.map((s) => s.firstRevision)]);

t.test('the segments of a removed base go with it; kept chains stay whole', async (t) => {
  const plan = planRetention([snap(1, 's'), snap(2, 's'), snap(3, 's')], 1);
  const segments = [seg(1, 11, 20), seg(1, 21, 30), seg(2, 31, 40, true), seg(3, 41, 50)];
  t.strictSame(shape(planChainRetention(plan, segments)), [
    [snapshotName(at(2)), stamp(2), [31]],
    [snapshotName(at(1)), stamp(1), [11, 21]],
  ]);
});

t.test('nothing is removed with nothing to prune, and a removed base without segments adds nothing', async (t) => {
  t.strictSame(planChainRetention(planRetention([snap(1, 's'), snap(2, 's')], 5), [seg(1, 11, 20), seg(2, 21, 30)]), []);
  t.strictSame(planChainRetention(planRetention([snap(1, 's'), snap(2, 's')], 1), [seg(2, 21, 30)]), []);
  t.strictSame(planChainRetention(planRetention([], 1), [seg(1, 11, 20)]), [], 'no kept base: orphans are left alone');
});

t.test('orphans older than the oldest kept base are removed, newer ones never', async (t) => {
  // Hour 0's base is gone; hour 5 has no base yet (capture may have started it before the archive is listed).
  const plan = planRetention([snap(1, 'm'), snap(2, 's'), snap(3, 's')], 1);
  const segments = [seg(0, 1, 5), seg(0, 6, 9), seg(2, 21, 30), seg(3, 31, 40), seg(5, 51, 60), seg(1, 11, 15)];
  t.strictSame(shape(planChainRetention(plan, segments)), [
    [snapshotName(at(2)), stamp(2), [21]],
    [undefined, stamp(0), [1, 6]],
  ]);
});

t.test('an orphan between kept bases stays (only those older than the oldest kept base go)', async (t) => {
  const plan = planRetention([snap(1, 's'), snap(3, 's')], 5);
  t.strictSame(planChainRetention(plan, [seg(2, 21, 30)]), []);
});

t.test('a name that is not a segment\'s exact pattern is never planned for removal', async (t) => {
  const plan = planRetention([snap(1, 's'), snap(2, 's')], 1);
  const fake = { ...seg(1, 11, 20), name: `${seg(1, 11, 20).name}.bak` };
  const padded = { ...seg(1, 21, 30), name: `etcd-delta-${stamp(1)}-021-30.jsonl.gz` };
  t.strictSame(shape(planChainRetention(plan, [fake, padded, seg(1, 31, 40)])), [[snapshotName(at(1)), stamp(1), [31]]]);
});
