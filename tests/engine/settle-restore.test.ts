import t, { type Test } from 'tap';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journalPath, readJournal, type RestoreJournal, type RestorePhase } from '../../src/engine/restore-journal.ts';
import { SOURCE, writeDeadRunJournal } from '../fakes/dead-run-journal.ts';
import { finishInterruptedRestore, fixCommand, type SettleDeps } from '../../src/engine/settle-restore.ts';
import { fakeClock, type FakeClock } from '../fakes/fake-clock.ts';
import { fakeEtcd, notAnswering, readFakeData, writeFakeData, type FakeData, type FakeEtcd } from '../fakes/fake-etcd.ts';
import { fakeService, startFailure, type FakeService } from '../fakes/fake-service.ts';
import { FAILED, FRESH, JOURNAL, PREVIOUS, SERVICE } from '../fakes/restore-names.ts';

// finishInterruptedRestore on real temp dirs with fake etcd, systemd and clock: a restore that died at each phase,
// as the disk and its journal were left, is finished or undone; the exact message, the resulting dirs, the calls.

const OLD: FakeData = { revision: 10, keys: 3 };
const RESTORED: FakeData = { revision: 1_000_000_042, keys: 7 };
const UPDATED = '2024-05-01T10:00:00.000Z';

// A unit as a dead restore left it: the dirs named, a journal at phase, etcd running or not.
interface Crashed {
  parent: string;
  dataDir: string;
  journal: RestoreJournal;
  clock: FakeClock;
  service: FakeService;
  etcd: FakeEtcd;
  deps: SettleDeps;
  listing(): Promise<string[]>;
  path(name: string): string;
}

interface Layout {
  phase: RestorePhase;
  // What is on disk under each name.
  dirs: Partial<Record<'data' | typeof FRESH | typeof PREVIOUS | typeof FAILED, FakeData>>;
  running: boolean;
  reason?: string;
}

const crashed = async (t: Test, layout: Layout): Promise<Crashed> => {
  const parent = await mkdtemp(join(tmpdir(), 'settle-restore-'));
  t.teardown(() => rm(parent, { recursive: true, force: true }));
  const dataDir = join(parent, 'data');
  for (const [name, data] of Object.entries(layout.dirs)) await writeFakeData(join(parent, name), data);
  const clock = fakeClock();
  const journal = await writeDeadRunJournal(dataDir, clock.now(), layout.phase, RESTORED, layout.reason);
  const service = fakeService({ active: layout.running ? [SERVICE] : [] });
  const etcd = fakeEtcd({ dataDir, up: () => service.running(SERVICE) });
  const lines: string[] = [];
  return {
    parent, dataDir, journal, clock, service, etcd,
    deps: { etcd, service, clock, progress: async (line) => void lines.push(line), healthTimeoutMs: 30_000 },
    listing: async () => (await readdir(parent)).sort(),
    path: (name) => join(parent, name),
  };
};

// The journal as the next run reads it back.
const reread = async (c: Crashed): Promise<RestoreJournal> => (await readJournal(c.dataDir)) as RestoreJournal;

const what = (phase: RestorePhase): string => `the restore from ${SOURCE} interrupted at ${phase} (${UPDATED})`;
const UNTOUCHED = 'had not swapped the data; the fresh dir is removed and etcd runs on the untouched data';

t.test('prepared: the half-made fresh dir goes, etcd (still running) is left running on the untouched data', async (t) => {
  const c = await crashed(t, { phase: 'prepared', dirs: { data: OLD, [FRESH]: RESTORED }, running: true });
  t.strictSame(await c.listing(), [JOURNAL, 'data', FRESH]);
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('prepared')} ${UNTOUCHED}`);
  t.strictSame(await c.listing(), ['data']);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(c.service.calls, [`is-active ${SERVICE}`]);
});

t.test('stopping: etcd was stopped, nothing moved: the fresh dir goes and etcd is started again', async (t) => {
  const c = await crashed(t, { phase: 'stopping', dirs: { data: OLD, [FRESH]: RESTORED }, running: false });
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('stopping')} ${UNTOUCHED}`);
  t.strictSame(await c.listing(), ['data']);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(c.service.calls, [`is-active ${SERVICE}`, `start ${SERVICE}`]);
  t.equal(c.service.running(SERVICE), true);
});

t.test('swapping, the data moved aside but the fresh dir not yet in place: the data is moved back', async (t) => {
  const c = await crashed(t, { phase: 'swapping', dirs: { [PREVIOUS]: OLD, [FRESH]: RESTORED }, running: false });
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('swapping')} ${UNTOUCHED}`);
  t.strictSame(await c.listing(), ['data']);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(c.service.calls, [`is-active ${SERVICE}`, `start ${SERVICE}`]);
});

t.test('swapping, both moves done (no pki/ files): etcd is started on the restored data and it checks out', async (t) => {
  const c = await crashed(t, { phase: 'swapping', dirs: { data: RESTORED, [PREVIOUS]: OLD }, running: false });
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('swapping')} is finished: etcd runs on the restored data (revision ${RESTORED.revision} or later)`);
  t.strictSame(await c.listing(), ['data', PREVIOUS]);
  t.strictSame(await readFakeData(c.dataDir), RESTORED);
});

t.test('swapping with pki/ files half written: rolled back', async (t) => {
  const c = await crashed(t, { phase: 'swapping', dirs: { data: RESTORED, [PREVIOUS]: OLD }, running: false });
  const journal = await reread(c);
  journal.pki = [{ to: c.path('server.crt'), kept: undefined }];
  t.equal(await finishInterruptedRestore(c.deps, journal), `${what('swapping')} was rolled back (its pki/ files were half written); etcd runs on the previous data`);
  t.strictSame(await c.listing(), ['data', FAILED]);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(await readFakeData(c.path(FAILED)), RESTORED);
});

t.test('swapped and the restored data checks out: finished, the journal removed', async (t) => {
  const c = await crashed(t, { phase: 'swapped', dirs: { data: RESTORED, [PREVIOUS]: OLD }, running: false });
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('swapped')} is finished: etcd runs on the restored data (revision ${RESTORED.revision} or later)`);
  t.strictSame(await c.listing(), ['data', PREVIOUS]);
  t.strictSame(c.service.calls, [`is-active ${SERVICE}`, `start ${SERVICE}`]);
  t.strictSame(c.etcd.calls.map((call) => call.method), ['cluster', 'keyCount']);
});

t.test('swapped but the restored data fails its check: rolled back to the previous data', async (t) => {
  const c = await crashed(t, { phase: 'swapped', dirs: { data: { ...RESTORED, keys: 5 }, [PREVIOUS]: OLD }, running: false });
  const reason = `etcd holds 5 keys at revision ${RESTORED.revision}, the snapshot had 7`;
  t.equal(
    await finishInterruptedRestore(c.deps, await reread(c)),
    `${what('swapped')} was rolled back: the restored data did not come up (${reason}); etcd runs on the previous data`,
  );
  t.strictSame(await c.listing(), ['data', FAILED]);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(await readFakeData(c.path(FAILED)), { ...RESTORED, keys: 5 });
  t.strictSame(c.service.calls, [`is-active ${SERVICE}`, `start ${SERVICE}`, `stop ${SERVICE}`, `is-active ${SERVICE}`, `is-active ${SERVICE}`, `start ${SERVICE}`]);
});

t.test('swapped but etcd never answers on the restored data: rolled back after the health timeout (fake clock)', async (t) => {
  const c = await crashed(t, { phase: 'swapped', dirs: { data: { ...RESTORED, answers: false }, [PREVIOUS]: OLD }, running: false });
  const reason = `etcd did not become healthy within 30s (${notAnswering().message})`;
  t.equal(
    await finishInterruptedRestore(c.deps, await reread(c)),
    `${what('swapped')} was rolled back: the restored data did not come up (${reason}); etcd runs on the previous data`,
  );
  t.strictSame(await c.listing(), ['data', FAILED]);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.equal(c.clock.sleeps.length, 60, '30s of 500ms polls, none of them real');
});

t.test('rolling-back, the restored data already moved aside: the previous data is moved back, etcd started', async (t) => {
  const c = await crashed(t, { phase: 'rolling-back', dirs: { [FAILED]: RESTORED, [PREVIOUS]: OLD }, running: false, reason: 'etcd came up at revision 41, below the snapshot\'s 1000000042' });
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('rolling-back')} was rolled back; etcd runs on the previous data`);
  t.strictSame(await c.listing(), ['data', FAILED]);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(c.service.calls, [`stop ${SERVICE}`, `is-active ${SERVICE}`, `is-active ${SERVICE}`, `start ${SERVICE}`]);
});

t.test('rolling-back, nothing moved yet: the restored data goes to failed, the previous data back', async (t) => {
  const c = await crashed(t, { phase: 'rolling-back', dirs: { data: RESTORED, [PREVIOUS]: OLD }, running: true, reason: 'interrupted' });
  t.equal(await finishInterruptedRestore(c.deps, await reread(c)), `${what('rolling-back')} was rolled back; etcd runs on the previous data`);
  t.strictSame(await c.listing(), ['data', FAILED]);
  t.strictSame(await readFakeData(c.dataDir), OLD);
  t.strictSame(await readFakeData(c.path(FAILED)), RESTORED);
});

t.test('etcd cannot start at all: it throws, the journal stays, and the fix command matches the disk', async (t) => {
  const c = await crashed(t, { phase: 'swapped', dirs: { data: RESTORED, [PREVIOUS]: OLD }, running: false });
  c.service.options.startFails = 'always';
  const journal = await reread(c);
  t.equal(
    await fixCommand(journal),
    `mv ${c.dataDir} ${c.path(FAILED)} && mv ${c.path(PREVIOUS)} ${c.dataDir} && rm ${journalPath(c.dataDir)} && systemctl start ${SERVICE}`,
    'before: both dirs there',
  );
  await t.rejects(finishInterruptedRestore(c.deps, journal), { message: startFailure(SERVICE) });
  t.strictSame(await c.listing(), [JOURNAL, 'data', FAILED]);
  t.strictSame(await readFakeData(c.dataDir), OLD, 'the rollback moved the old data back before start failed');
  t.match(await reread(c), { phase: 'rolling-back', reason: `the restored data did not come up: ${startFailure(SERVICE)}` });
  t.equal(await fixCommand(journal), `rm ${journalPath(c.dataDir)} && systemctl start ${SERVICE}`, 'after: only the journal and the start are left');
});

