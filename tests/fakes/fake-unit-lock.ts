import { describeHolder, LockBusyError, type HeldLock, type LockHolder, type UnitLock } from '../../src/system/unit-lock.ts';
import { FAKE_START } from './fake-clock.ts';

// The switches of a fake unit lock; they may be changed between calls to script what happens next.
export interface FakeUnitLockOptions {
  // Held by another run that names itself so (undefined in the holder slot: a holder that wrote nothing, as when the
  // lock file is empty); acquire() finds the lock busy until this is cleared.
  busyWith?: { holder: LockHolder | undefined };
  // With busyWith: the other run lets go while acquire() waits (waitMs > 0), and the wait then takes the lock.
  freedDuringWait?: boolean;
  // acquire() rejects with this before looking at the lock (a lock file that cannot be opened, no flock(1)).
  acquireFails?: Error;
  // The time written as `since` when this fake takes the lock.
  now?: () => Date;
}

// An in-memory UnitLock that behaves as flockLock does (the same LockBusyError messages, onBusy asked once before
// any wait, a second acquire while held is busy with the first holder) and records what happened, in order:
// "acquire <what> (wait <ms>ms)", "busy <holder>", "waited <ms>ms", "refused <what>", "acquired <what>",
// "release <what>". Nothing really waits.
export interface FakeUnitLock extends UnitLock {
  readonly events: string[];
  readonly options: FakeUnitLockOptions;
  // Who holds the lock now: this fake's own holder, the scripted other run's, or undefined when it is free.
  holder(): LockHolder | undefined;
}

// The path a fake unit lock reports unless told otherwise.
export const FAKE_LOCK_PATH = '/var/snap/etcd/common/.data.etcd-agent.lock';

// A holder as another run of the agent writes it into the lock file.
export const otherRun = (what: string, pid = 4242, since = '2024-05-01T09:58:00.000Z'): LockHolder => ({ pid, what, since });

// The message flockLock refuses with when the lock is busy and there is no wait (waitMs 0, or onBusy said give up).
export const busyMessage = (holder: LockHolder | undefined, path = FAKE_LOCK_PATH): string =>
  `${describeHolder(holder)} holds the unit lock ${path}; try again once it has finished`;

// The message flockLock refuses with when the lock is still busy at the end of a wait of waitMs.
export const stillBusyMessage = (holder: LockHolder | undefined, waitMs: number, path = FAKE_LOCK_PATH): string =>
  `${describeHolder(holder)} still holds the unit lock ${path} after ${Math.round(waitMs / 1000)}s; try again once it has finished, or raise lock-timeout`;

// A fake unit lock at path, free unless options say it is busy.
export const fakeUnitLock = (options: FakeUnitLockOptions = {}, path = FAKE_LOCK_PATH): FakeUnitLock => {
  const events: string[] = [];
  let mine: LockHolder | undefined;
  // The holder acquire() meets: this fake's own (a second run of the same unit) or the scripted other run's.
  const busy = (): { holder: LockHolder | undefined } | undefined => (mine ? { holder: mine } : options.busyWith);
  return {
    path,
    events,
    options,
    holder: () => mine ?? options.busyWith?.holder,
    async acquire(what, acquire): Promise<HeldLock> {
      events.push(`acquire ${what} (wait ${acquire.waitMs}ms)`);
      if (options.acquireFails) throw options.acquireFails;
      const taken = busy();
      if (taken) {
        events.push(`busy ${describeHolder(taken.holder)}`);
        const giveUp = (await acquire.onBusy?.(taken.holder)) === true;
        if (giveUp || acquire.waitMs <= 0) {
          events.push(`refused ${what}`);
          throw new LockBusyError(busyMessage(taken.holder, path), taken.holder);
        }
        events.push(`waited ${acquire.waitMs}ms`);
        if (mine || !options.freedDuringWait) {
          events.push(`refused ${what}`);
          throw new LockBusyError(stillBusyMessage(taken.holder, acquire.waitMs, path), taken.holder);
        }
        delete options.busyWith;
      }
      const holder: LockHolder = { pid: process.pid, what, since: (options.now?.() ?? FAKE_START).toISOString() };
      mine = holder;
      events.push(`acquired ${what}`);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          if (mine === holder) mine = undefined;
          events.push(`release ${what}`);
        },
      };
    },
  };
};
