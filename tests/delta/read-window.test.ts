import t, { type Test } from 'tap';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import type { CaptureStatus } from '../../src/delta/delta-types.ts';
import { readChains, readLocalWindow, readRecoverableWindow } from '../../src/delta/read-window.ts';
import { localDeltaStore } from '../../src/store/local-delta-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import { tempDir } from '../support/files/dirs.ts';
import { chainBase, eventTime, writeBase, writeSegment } from './window-fixture.ts';

const A = chainBase('2026-12-01-14.00.00', 100);
const B = chainBase('2026-12-01-20.00.00', 300);

const capture = (over: Partial<CaptureStatus> = {}): CaptureStatus => ({
  state: 'running',
  base: B.name,
  coveredRevision: 340,
  coveredAt: '2026-12-01T20:05:00.000Z',
  gaps: [],
  intervalSeconds: 10,
  ...over,
});

// A snapshot dir with bases A and B, A's segments 101-150 and 151-200, B's 301-340 (encrypted to recipients when given).
const seeded = async (t: Test, recipients: string[] = []): Promise<string> => {
  const dir = await tempDir(t, 'window');
  await writeBase(dir, A);
  await writeBase(dir, B);
  await writeSegment(dir, A, 101, 150, recipients);
  await writeSegment(dir, A, 151, 200, recipients);
  await writeSegment(dir, B, 301, 340, recipients);
  await writeFile(join(dir, 'etcd-delta-notes.txt'), 'not a segment');
  return dir;
};

t.test('readChains: each chain ends at its last segment\'s trailer', async (t) => {
  const dir = await seeded(t);
  const { chains, ends, bad } = await readChains(localDeltaStore(dir), await localStore(dir).list());
  t.strictSame(chains.map((c) => [c.base.name, c.base.revision, c.base.created, c.segments.map((s) => s.name)]), [
    [A.name, 100, A.created, ['etcd-delta-2026-12-01-14.00.00-101-150.jsonl.gz', 'etcd-delta-2026-12-01-14.00.00-151-200.jsonl.gz']],
    [B.name, 300, B.created, ['etcd-delta-2026-12-01-20.00.00-301-340.jsonl.gz']],
  ]);
  t.strictSame(ends, [{ time: eventTime(A, 200), revision: 200 }, { time: eventTime(B, 340), revision: 340 }]);
  t.strictSame(bad, []);
  // The capture status carries the chain it writes up to coveredAt.
  t.strictSame((await readChains(localDeltaStore(dir), await localStore(dir).list(), undefined, capture())).ends[1], { time: '2026-12-01T20:05:00.000Z', revision: 340 });
});

t.test('readChains reads encrypted trailers with the identity; without it the ends claim no time past the base', async (t) => {
  const identity = await generateIdentity();
  const dir = await seeded(t, [await identityToRecipient(identity)]);
  const snapshots = await localStore(dir).list();
  t.strictSame((await readChains(localDeltaStore(dir), snapshots, identity)).ends, [{ time: eventTime(A, 200), revision: 200 }, { time: eventTime(B, 340), revision: 340 }]);
  t.strictSame((await readChains(localDeltaStore(dir), snapshots)).ends, [{ time: A.created, revision: 200 }, { time: B.created, revision: 340 }]);
});

t.test('readChains leaves out a segment whose trailer cannot be read: the window is what remains', async (t) => {
  const dir = await seeded(t);
  await truncate(join(dir, 'etcd-delta-2026-12-01-14.00.00-151-200.jsonl.gz'), 40);
  const { chains, ends, bad } = await readChains(localDeltaStore(dir), await localStore(dir).list());
  t.strictSame(chains[0]!.segments.map((s) => s.lastRevision), [150]);
  t.strictSame(ends[0], { time: eventTime(A, 150), revision: 150 });
  t.strictSame(bad.map((b) => b.name), ['etcd-delta-2026-12-01-14.00.00-151-200.jsonl.gz']);
  t.match(bad[0]!.error, /151-200/, 'the reason names the file');
});

t.test('readRecoverableWindow: from the oldest base to the newest point, with the segments listed', async (t) => {
  const dir = await seeded(t);
  const snapshots = await localStore(dir).list();
  const { window, segments } = await readRecoverableWindow({ local: localDeltaStore(dir), snapshots, capture: capture() });
  t.strictSame(window, {
    from: { time: A.created, revision: 100 },
    to: { time: '2026-12-01T20:05:00.000Z', revision: 340 },
    // 201..299: A's capture stopped at 200, B's base is 300.
    gaps: 1,
    chains: [
      { base: A.name, segments: 2, from: { time: A.created, revision: 100 }, to: { time: eventTime(A, 200), revision: 200 } },
      { base: B.name, segments: 1, from: { time: B.created, revision: 300 }, to: { time: '2026-12-01T20:05:00.000Z', revision: 340 } },
    ],
  });
  t.strictSame(segments.map((s) => [s.name, s.location]), [
    ['etcd-delta-2026-12-01-14.00.00-101-150.jsonl.gz', 'local'],
    ['etcd-delta-2026-12-01-14.00.00-151-200.jsonl.gz', 'local'],
    ['etcd-delta-2026-12-01-20.00.00-301-340.jsonl.gz', 'local'],
  ]);
  // Names only (the metrics endpoint): A ends where B starts.
  const names = await readRecoverableWindow({ local: localDeltaStore(dir), snapshots, capture: capture(), readTrailers: false });
  t.strictSame(names.window!.chains.map((c) => c.to), [{ time: B.created, revision: 200 }, { time: '2026-12-01T20:05:00.000Z', revision: 340 }]);
});

t.test('readRecoverableWindow never decrypts: encrypted chains end at the next base, the written one at coveredAt', async (t) => {
  const identity = await generateIdentity();
  const dir = await seeded(t, [await identityToRecipient(identity)]);
  const { window } = await readRecoverableWindow({ local: localDeltaStore(dir), snapshots: await localStore(dir).list(), capture: capture() });
  t.strictSame(window!.chains.map((c) => c.to), [{ time: B.created, revision: 200 }, { time: '2026-12-01T20:05:00.000Z', revision: 340 }]);
  // A segment closed after the status was read: the chain reached at least coveredAt.
  await writeSegment(dir, B, 341, 350, [await identityToRecipient(identity)]);
  const later = await readRecoverableWindow({ local: localDeltaStore(dir), snapshots: await localStore(dir).list(), capture: capture() });
  t.strictSame(later.window!.to, { time: '2026-12-01T20:05:00.000Z', revision: 350 });
  // Without a capture status the newest encrypted chain claims no time past its base.
  const stopped = await readRecoverableWindow({ local: localDeltaStore(dir), snapshots: await localStore(dir).list(), capture: undefined });
  t.strictSame(stopped.window!.to, { time: B.created, revision: 350 });
});

t.test('no segment and no capture status: no window; an unreadable dir gives none to status and metrics', async (t) => {
  const dir = await tempDir(t, 'window-none');
  await writeBase(dir, A);
  t.strictSame(await readRecoverableWindow({ local: localDeltaStore(dir), snapshots: await localStore(dir).list(), capture: undefined }), { window: undefined, segments: [] });
  t.strictSame(await readLocalWindow(localStore(dir), localDeltaStore(dir), capture({ base: A.name, coveredRevision: 100 })), {
    from: { time: A.created, revision: 100 },
    to: { time: '2026-12-01T20:05:00.000Z', revision: 100 },
    gaps: 0,
    chains: [{ base: A.name, segments: 0, from: { time: A.created, revision: 100 }, to: { time: '2026-12-01T20:05:00.000Z', revision: 100 } }],
  });
  const file = join(dir, 'plain');
  await writeFile(file, 'x');
  t.equal(await readLocalWindow(localStore(file), localDeltaStore(file), capture()), undefined);
});
