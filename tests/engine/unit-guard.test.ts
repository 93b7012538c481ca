import t, { type Test } from 'tap';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock/clock.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { journalPath, type RestorePhase } from '../../src/engine/restore-journal.ts';
import { SOURCE, writeDeadRunJournal } from '../fakes/dead-run-journal.ts';
import { heldByRestore, RecoveryBlockedError, recoverInterruptedRestore, unitGuard, withUnitLock, type GuardDeps } from '../../src/engine/unit-guard.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { flockLock, LockBusyError, type LockHolder } from '../../src/system/unit-lock.ts';
import { FAKE_START, fakeClock, type FakeClock } from '../fakes/fake-clock.ts';
import { fakeEtcd, readFakeData, writeFakeData, type FakeData, type FakeEtcd } from '../fakes/fake-etcd.ts';
import { fakeService, startFailure, type FakeService } from '../fakes/fake-service.ts';
import { busyMessage, FAKE_LOCK_PATH, fakeUnitLock, otherRun, type FakeUnitLock, type FakeUnitLockOptions } from '../fakes/fake-unit-lock.ts';
import { FAILED, FRESH, JOURNAL, PREVIOUS, SERVICE } from '../fakes/restore-names.ts';

// withUnitLock, recoverInterruptedRestore and unitGuard over a fake unit lock, fake etcd, systemd and clock, and a
// real temp dir for the data dir and its restore journal: who is named when the lock is busy, when the guard waits or
// refuses, that the lock is always let go, and that an interrupted restore is settled under the lock before any work.

const OLD: FakeData = { revision: 10, keys: 3 };
const RESTORED: FakeData = { revision: 1_000_000_042, keys: 7 };
const SINCE = FAKE_START.toISOString();

// One unit: its data dir, the fakes, and the guard over them. progress() lines go into lock.events, so one list
// shows the order of lock, settling and work.
interface Unit {
  parent: string;
  dataDir: string;
  lock: FakeUnitLock;
  clock: FakeClock;
  service: FakeService;
  etcd: FakeEtcd;
  guard: GuardDeps;
  listing(): Promise<string[]>;
}

interface UnitSetup {
  lock?: FakeUnitLockOptions;
  // A restore that died at this phase left its journal ('damaged': a journal that cannot be read).
  interrupted?: RestorePhase | 'damaged';
  // What is on disk under each name (default: the data dir alone, with OLD).
  dirs?: Partial<Record<'data' | typeof FRESH | typeof PREVIOUS | typeof FAILED, FakeData>>;
  running?: boolean;
}

const unit = async (t: Test, setup: UnitSetup = {}): Promise<Unit> => {
  const parent = await mkdtemp(join(tmpdir(), 'unit-guard-'));
  t.teardown(() => rm(parent, { recursive: true, force: true }));
  const dataDir = join(parent, 'data');
  for (const [name, data] of Object.entries(setup.dirs ?? { data: OLD })) await writeFakeData(join(parent, name), data);
  const clock = fakeClock();
  if (setup.interrupted === 'damaged') {
    await writeFile(journalPath(dataDir), '{"version": 1, "phase": "swa');
  } else if (setup.interrupted !== undefined) {
    await writeDeadRunJournal(dataDir, clock.now(), setup.interrupted, RESTORED);
  }
  const service = fakeService({ active: setup.running === false ? [] : [SERVICE] });
  const etcd = fakeEtcd({ dataDir, up: () => service.running(SERVICE) });
  const lock = fakeUnitLock({ ...setup.lock, now: () => clock.now() });
  const progress = async (line: string): Promise<void> => void lock.events.push(`progress ${line}`);
  const guard = unitGuard({ etcdDataDir: dataDir, restoreHealthTimeoutMs: 30_000 }, { lock, etcd, service, clock, progress });
  return { parent, dataDir, lock, clock, service, etcd, guard, listing: async () => (await readdir(parent)).sort() };
};

const SNAPSHOT_RUN = otherRun('snapshot');
const RESTORE_RUN = otherRun('restore', 5150, '2024-05-01T09:59:30.000Z');

// What an error is, exactly: its name, message and (a LockBusyError's) holder.
const fields = (error: unknown): Record<string, unknown> => {
  const e = error as Error;
  return { name: e.name, message: e.message, ...(error instanceof LockBusyError ? { holder: error.holder } : {}) };
};

// Asserts that p rejects with an error of expected's class, then that its name, message and holder are expected's.
const rejectsWith = async (t: Test, p: Promise<unknown>, expected: Error): Promise<void> => {
  const error = await t.rejects(p, expected.constructor as new () => Error);
  t.strictSame(fields(error), fields(expected));
};

t.test('unitGuard: the lock and fakes as given, the data dir and health timeout from config', async (t) => {
  const lock = fakeUnitLock();
  const etcd = fakeEtcd();
  const service = fakeService();
  const clock = fakeClock();
  const progress = async (): Promise<void> => undefined;
  t.strictSame(unitGuard({ etcdDataDir: '/var/snap/etcd/common/data', restoreHealthTimeoutMs: 45_000 }, { lock, etcd, service, clock, progress }), {
    lock, etcd, service, clock, progress, dataDir: '/var/snap/etcd/common/data', healthTimeoutMs: 45_000,
  });
});

t.test('the fake lock refuses with the words and holder of the real flock lock', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'unit-guard-flock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'unit.lock');
  const real = flockLock(path, execaRunner, () => systemClock.now());
  const first = await real.acquire('snapshot', { waitMs: 0 });
  t.teardown(() => first.release());
  const refusal = async (acquire: Promise<unknown>): Promise<{ name: string; message: string; holder: LockHolder | undefined }> => {
    const error = (await acquire.then(() => new Error('the lock was taken'), (e: unknown) => e)) as LockBusyError;
    return { name: error.name, message: error.message, holder: error.holder };
  };
  const realRefusal = await refusal(flockLock(path, execaRunner, () => systemClock.now()).acquire('restore', { waitMs: 0 }));
  const holder = realRefusal.holder as LockHolder;
  t.strictSame(realRefusal, { name: 'LockBusyError', message: busyMessage(holder, path), holder });
  const fake = fakeUnitLock({ busyWith: { holder } }, path);
  t.strictSame(await refusal(fake.acquire('restore', { waitMs: 0 })), realRefusal);
});

t.test('a free lock: the work runs holding it, its value comes back, the lock is released after', async (t) => {
  const u = await unit(t);
  let during: LockHolder | undefined;
  const value = await withUnitLock(u.guard, 'snapshot', { waitMs: 60_000 }, async () => {
    during = u.lock.holder();
    u.lock.events.push('work');
    return { path: '/snapshots/etcd-snapshot.tar.gz' };
  });
  t.strictSame(value, { path: '/snapshots/etcd-snapshot.tar.gz' });
  t.strictSame(during, { pid: process.pid, what: 'snapshot', since: SINCE });
  t.strictSame(u.lock.events, ['acquire snapshot (wait 60000ms)', 'acquired snapshot', 'work', 'release snapshot']);
  t.equal(u.lock.holder(), undefined);
  t.strictSame(u.service.calls, [], 'no journal: nothing to settle, systemd untouched');
});

t.test('busy with waitMs 0: refused at once naming the holder, no wait announced, the work never runs', async (t) => {
  const u = await unit(t, { lock: { busyWith: { holder: RESTORE_RUN } } });
  const seen: (LockHolder | undefined)[] = [];
  let ran = false;
  await rejectsWith(
    t,
    withUnitLock(u.guard, 'snapshot', { waitMs: 0, onBusy: (holder) => void seen.push(holder) }, async () => void (ran = true)),
    new LockBusyError(`restore (pid 5150, since 2024-05-01T09:59:30.000Z) holds the unit lock ${FAKE_LOCK_PATH}; try again once it has finished`, RESTORE_RUN),
  );
  t.equal(ran, false);
  t.strictSame(seen, [RESTORE_RUN], 'the caller is told who holds it, once');
  t.strictSame(u.lock.events, [
    'acquire snapshot (wait 0ms)', 'busy restore (pid 5150, since 2024-05-01T09:59:30.000Z)', 'refused snapshot',
  ]);
});

t.test('busy with a holder that wrote nothing: the error says another etcd-agent run', async (t) => {
  const u = await unit(t, { lock: { busyWith: { holder: undefined } } });
  await rejectsWith(
    t,
    withUnitLock(u.guard, 'restore', { waitMs: 0 }, async () => undefined),
    new LockBusyError(`another etcd-agent run holds the unit lock ${FAKE_LOCK_PATH}; try again once it has finished`, undefined),
  );
});

t.test('busy with a wait: the wait is announced naming the holder, and the refusal says how long it waited', async (t) => {
  const u = await unit(t, { lock: { busyWith: { holder: SNAPSHOT_RUN } } });
  await rejectsWith(
    t,
    withUnitLock(u.guard, 'restore', { waitMs: 90_000 }, async () => undefined),
    new LockBusyError(`snapshot (pid 4242, since 2024-05-01T09:58:00.000Z) still holds the unit lock ${FAKE_LOCK_PATH} after 90s; try again once it has finished, or raise lock-timeout`, SNAPSHOT_RUN),
  );
  t.strictSame(u.lock.events, [
    'acquire restore (wait 90000ms)',
    'busy snapshot (pid 4242, since 2024-05-01T09:58:00.000Z)',
    'progress waiting up to 90s for snapshot (pid 4242, since 2024-05-01T09:58:00.000Z) to finish',
    'waited 90000ms',
    'refused restore',
  ]);
});

t.test('busy with a wait, and the holder finishes during it: the work runs once the lock is taken', async (t) => {
  const u = await unit(t, { lock: { busyWith: { holder: SNAPSHOT_RUN }, freedDuringWait: true } });
  const value = await withUnitLock(u.guard, 'restore', { waitMs: 90_000 }, async () => {
    u.lock.events.push('work');
    return 'restored';
  });
  t.equal(value, 'restored');
  t.strictSame(u.lock.events, [
    'acquire restore (wait 90000ms)',
    'busy snapshot (pid 4242, since 2024-05-01T09:58:00.000Z)',
    'progress waiting up to 90s for snapshot (pid 4242, since 2024-05-01T09:58:00.000Z) to finish',
    'waited 90000ms',
    'acquired restore',
    'work',
    'release restore',
  ]);
});

t.test('a scheduled run held up by a restore gives up at once (heldByRestore), by a snapshot it waits', async (t) => {
  const byRestore = await unit(t, { lock: { busyWith: { holder: RESTORE_RUN } } });
  await rejectsWith(
    t,
    withUnitLock(byRestore.guard, 'scheduled snapshot', { waitMs: 300_000, onBusy: heldByRestore }, async () => undefined),
    new LockBusyError(busyMessage(RESTORE_RUN), RESTORE_RUN),
  );
  t.strictSame(byRestore.lock.events, ['acquire scheduled snapshot (wait 300000ms)', 'busy restore (pid 5150, since 2024-05-01T09:59:30.000Z)', 'refused scheduled snapshot'], 'no wait announced');

  const bySnapshot = await unit(t, { lock: { busyWith: { holder: SNAPSHOT_RUN }, freedDuringWait: true } });
  t.equal(await withUnitLock(bySnapshot.guard, 'scheduled snapshot', { waitMs: 300_000, onBusy: heldByRestore }, async () => 'taken'), 'taken');
  t.strictSame(bySnapshot.lock.events, [
    'acquire scheduled snapshot (wait 300000ms)',
    'busy snapshot (pid 4242, since 2024-05-01T09:58:00.000Z)',
    'progress waiting up to 300s for snapshot (pid 4242, since 2024-05-01T09:58:00.000Z) to finish',
    'waited 300000ms',
    'acquired scheduled snapshot',
    'release scheduled snapshot',
  ]);
});

t.test('heldByRestore: true for a restore and the settling of one, false otherwise', async (t) => {
  t.strictSame(
    [otherRun('restore'), otherRun('restore recovery'), otherRun('snapshot'), otherRun('scheduled snapshot'), undefined].map(heldByRestore),
    [true, true, false, false, false],
  );
});

t.test('the work throws: the same error comes out and the lock is released, so the next run gets it', async (t) => {
  const u = await unit(t);
  const failure = new AgentError('etcdctl snapshot save failed: context deadline exceeded');
  t.equal(await t.rejects(withUnitLock(u.guard, 'snapshot', { waitMs: 0 }, async () => { throw failure; }), AgentError), failure, 'the very error the work threw');
  t.equal(u.lock.holder(), undefined);
  t.equal(await withUnitLock(u.guard, 'restore', { waitMs: 0 }, async () => 'next'), 'next');
  t.strictSame(u.lock.events, ['acquire snapshot (wait 0ms)', 'acquired snapshot', 'release snapshot', 'acquire restore (wait 0ms)', 'acquired restore', 'release restore']);
});

t.test('a run inside a run of the same unit is busy with the outer one, which still releases', async (t) => {
  const u = await unit(t);
  const outer = { pid: process.pid, what: 'restore', since: SINCE };
  await rejectsWith(
    t,
    withUnitLock(u.guard, 'restore', { waitMs: 0 }, () => withUnitLock(u.guard, 'snapshot', { waitMs: 0 }, async () => 'inner')),
    new LockBusyError(busyMessage(outer), outer),
  );
  t.equal(u.lock.holder(), undefined);
  t.strictSame(u.lock.events, [
    'acquire restore (wait 0ms)', 'acquired restore',
    'acquire snapshot (wait 0ms)', `busy restore (pid ${process.pid}, since ${SINCE})`, 'refused snapshot',
    'release restore',
  ]);
});

t.test('the lock cannot be taken at all: that error comes out, nothing is released', async (t) => {
  const failure = new AgentError(`cannot open the unit lock ${FAKE_LOCK_PATH}: EACCES: permission denied`);
  const u = await unit(t, { lock: { acquireFails: failure }, interrupted: 'prepared', dirs: { data: OLD, [FRESH]: RESTORED } });
  t.equal(await t.rejects(withUnitLock(u.guard, 'snapshot', { waitMs: 0 }, async () => undefined), AgentError), failure);
  t.equal(await t.rejects(recoverInterruptedRestore(u.guard), AgentError), failure);
  t.strictSame(u.lock.events, ['acquire snapshot (wait 0ms)', 'acquire restore recovery (wait 0ms)']);
  t.strictSame(await u.listing(), [JOURNAL, 'data', FRESH], 'the journal and the fresh dir stay for the next run');
});

const settledMessage = (phase: RestorePhase): string =>
  `the restore from ${SOURCE} interrupted at ${phase} (${SINCE}) had not swapped the data; the fresh dir is removed and etcd runs on the untouched data`;

t.test('an interrupted restore is settled under the lock before the work, and the work sees the settled disk', async (t) => {
  const u = await unit(t, { interrupted: 'prepared', dirs: { data: OLD, [FRESH]: RESTORED } });
  let seen: string[] = [];
  await withUnitLock(u.guard, 'snapshot', { waitMs: 0 }, async () => {
    seen = await u.listing();
    u.lock.events.push('work');
  });
  t.strictSame(seen, ['data']);
  t.strictSame(await readFakeData(u.dataDir), OLD);
  t.strictSame(u.lock.events, ['acquire snapshot (wait 0ms)', 'acquired snapshot', `progress ${settledMessage('prepared')}`, 'work', 'release snapshot']);
});

t.test('a damaged journal: RecoveryBlockedError naming the fix, the work never runs, the lock is released', async (t) => {
  const u = await unit(t, { interrupted: 'damaged' });
  const journal = journalPath(u.dataDir);
  let ran = false;
  await rejectsWith(
    t,
    withUnitLock(u.guard, 'restore', { waitMs: 0 }, async () => void (ran = true)),
    new RecoveryBlockedError(`the restore journal ${journal} is damaged; check ${u.dataDir} and its etcd service by hand, then run rm ${journal}`),
  );
  t.equal(ran, false);
  t.strictSame(u.lock.events, ['acquire restore (wait 0ms)', 'acquired restore', 'release restore']);
  t.strictSame(await u.listing(), [JOURNAL, 'data'], 'the damaged journal is left for the operator');
});

t.test('recoverInterruptedRestore without a journal: none, and the lock is not even asked', async (t) => {
  const u = await unit(t, { lock: { busyWith: { holder: RESTORE_RUN } } });
  t.strictSame(await recoverInterruptedRestore(u.guard), { kind: 'none' });
  t.strictSame(u.lock.events, []);
});

t.test('recoverInterruptedRestore while the restore still runs: busy with its holder, at once, nothing touched', async (t) => {
  const u = await unit(t, { lock: { busyWith: { holder: RESTORE_RUN } }, interrupted: 'prepared', dirs: { data: OLD, [FRESH]: RESTORED } });
  t.strictSame(await recoverInterruptedRestore(u.guard), { kind: 'busy', holder: RESTORE_RUN });
  t.strictSame(u.lock.events, ['acquire restore recovery (wait 0ms)', 'busy restore (pid 5150, since 2024-05-01T09:59:30.000Z)', 'refused restore recovery']);
  t.strictSame(await u.listing(), [JOURNAL, 'data', FRESH]);
  t.strictSame(u.service.calls, []);
});

t.test('recoverInterruptedRestore of a dead restore: settled under the lock, which is released', async (t) => {
  const u = await unit(t, { interrupted: 'stopping', dirs: { data: OLD, [FRESH]: RESTORED }, running: false });
  t.strictSame(await recoverInterruptedRestore(u.guard), { kind: 'settled', message: settledMessage('stopping') });
  t.strictSame(u.lock.events, ['acquire restore recovery (wait 0ms)', 'acquired restore recovery', 'release restore recovery']);
  t.strictSame(await u.listing(), ['data']);
  t.strictSame(u.service.calls, [`is-active ${SERVICE}`, `start ${SERVICE}`]);
});

t.test('recoverInterruptedRestore that cannot start etcd: blocked with the fix command, the lock released', async (t) => {
  const u = await unit(t, { interrupted: 'swapped', dirs: { data: RESTORED, [PREVIOUS]: OLD }, running: false });
  u.service.options.startFails = 'always';
  t.strictSame(await recoverInterruptedRestore(u.guard), {
    kind: 'blocked',
    message: `an interrupted restore of ${u.dataDir} could not be finished (${startFailure(SERVICE)}); run rm ${journalPath(u.dataDir)} && systemctl start ${SERVICE}`,
  });
  t.strictSame(u.lock.events, [
    'acquire restore recovery (wait 0ms)',
    'acquired restore recovery',
    `progress putting the previous data back (the restored data did not come up: ${startFailure(SERVICE)})`,
    'release restore recovery',
  ]);
  t.equal(u.lock.holder(), undefined);
  t.strictSame(await u.listing(), [JOURNAL, 'data', FAILED], 'the journal stays for the fix command');
});
