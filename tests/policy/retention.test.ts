import t from 'tap';
import { snapshotName } from '../../src/archive/snapshot-name.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { planRetention } from '../../src/policy/retention.ts';
import type { StoredSnapshot } from '../../src/store/snapshot-store.ts';
import { fakeManifest } from '../store/archive-fixture.ts';

const BASE = Date.UTC(2024, 4, 1, 0, 0, 0);

// A snapshot taken `hour` hours after BASE: s = scheduled, m = manual, u = unreadable manifest.
const snap = (hour: number, kind: 's' | 'm' | 'u', name?: string): StoredSnapshot => {
  const created = new Date(BASE + hour * 3_600_000);
  const manifest = kind === 'u' ? undefined : fakeManifest({ trigger: kind === 's' ? 'scheduled' : 'manual' });
  return { name: name ?? snapshotName(created), location: 'local', bytes: 1, diskBytes: 4096, sha256: undefined, created, manifest, trigger: manifest?.trigger };
};

// Hours of what is removed and kept, for readable assertions.
const hours = (list: StoredSnapshot[]): number[] => list.map((s) => (s.created.getTime() - BASE) / 3_600_000);

t.test('keeps the newest K scheduled snapshots, removes older scheduled ones, both lists newest first', async (t) => {
  const plan = planRetention([snap(1, 's'), snap(5, 's'), snap(3, 's'), snap(2, 's'), snap(4, 's')], 2);
  t.same(hours(plan.remove), [3, 2, 1]);
  t.same(hours(plan.keep), [5, 4]);
});

t.test('nothing to remove when there are K or fewer scheduled snapshots', async (t) => {
  t.same(hours(planRetention([snap(1, 's'), snap(2, 's')], 2).remove), []);
  t.same(hours(planRetention([snap(1, 's')], 5).remove), []);
  t.same(planRetention([], 3), { remove: [], keep: [] });
});

t.test('manual snapshots are never removed and do not count towards K', async (t) => {
  const plan = planRetention([snap(1, 'm'), snap(2, 's'), snap(3, 'm'), snap(4, 's'), snap(5, 's'), snap(6, 'm')], 2);
  t.same(hours(plan.remove), [2]);
  t.same(hours(plan.keep), [6, 5, 4, 3, 1]);
});

t.test('a snapshot whose manifest could not be read is never removed and does not count', async (t) => {
  const plan = planRetention([snap(1, 'u'), snap(2, 's'), snap(3, 'u'), snap(4, 's'), snap(5, 's')], 1);
  t.same(hours(plan.remove), [4, 2]);
  t.same(hours(plan.keep), [5, 3, 1]);
});

t.test('the manifest decides, not a trigger field alone', async (t) => {
  const lying = { ...snap(1, 'u'), trigger: 'scheduled' as const };
  const odd = { ...snap(2, 's'), manifest: { ...fakeManifest(), trigger: 'hourly' as unknown as 'scheduled' } };
  const plan = planRetention([lying, odd, snap(3, 's'), snap(4, 's')], 1);
  t.same(hours(plan.remove), [3], 'only a manifest that says scheduled can be removed');
});

t.test('a name not of the exact pattern is never removed, even with a scheduled manifest', async (t) => {
  const foreign = [
    snap(0, 's', 'etcd-snapshot-notes.txt'),
    snap(0, 's', '.etcd-snapshot-2024-05-01-00.00.00.tar.gz.partial-1-2'),
    snap(0, 's', 'etcd-snapshot-2024-05-01-00.00.00.tar.gz.sha256'),
    snap(0, 's', 'backup-2024-05-01.tar.gz'),
  ];
  const plan = planRetention([...foreign, snap(1, 's'), snap(2, 's'), snap(3, 's')], 1);
  t.same(plan.remove.map((s) => s.name), [snapshotName(new Date(BASE + 7_200_000)), snapshotName(new Date(BASE + 3_600_000))]);
  for (const f of foreign) t.ok(plan.keep.includes(f), `${f.name} kept`);
});

t.test('the newest good snapshot is never removed, even with K = 0', async (t) => {
  const plan = planRetention([snap(1, 's'), snap(2, 's'), snap(3, 's')], 0);
  t.same(hours(plan.remove), [2, 1]);
  t.same(hours(plan.keep), [3], 'K + 1 kept rather than nothing');
  const unreadableNewest = planRetention([snap(1, 's'), snap(2, 's'), snap(3, 'u')], 0);
  t.same(hours(unreadableNewest.remove), [1], 'the newest readable one is kept when the newest of all is unreadable');
  const manualNewest = planRetention([snap(1, 's'), snap(2, 's'), snap(3, 'm')], 0);
  t.same(hours(manualNewest.remove), [2, 1], 'a manual newest is the good one; scheduled may all go at K = 0');
});

t.test('every snapshot given lands in exactly one list, order of input irrelevant', async (t) => {
  const all = [snap(7, 's'), snap(1, 'm'), snap(3, 'u'), snap(2, 's'), snap(9, 's'), snap(4, 's'), snap(8, 'm')];
  const plan = planRetention(all, 2);
  t.equal(plan.remove.length + plan.keep.length, all.length);
  for (const s of all) t.ok(plan.remove.includes(s) !== plan.keep.includes(s), s.name);
  t.same(planRetention([...all].reverse(), 2), plan);
});

t.test('the input array is not changed', async (t) => {
  const all = [snap(1, 's'), snap(3, 's'), snap(2, 's')];
  const copy = [...all];
  planRetention(all, 1);
  t.same(all, copy);
});

t.test('a retention that is not a whole number of at least 0 is refused', async (t) => {
  for (const k of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => planRetention([snap(1, 's')], k), AgentError, String(k));
  }
});
