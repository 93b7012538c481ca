import { AgentError, oneLine } from '../errors/agent-error.ts';
import { describeHolder, LockBusyError, type AcquireOptions, type LockHolder, type UnitLock } from '../system/unit-lock.ts';
import { journalPath, readJournal } from './restore-journal.ts';
import { removeLeftovers } from './leftovers.ts';
import { dirname } from 'node:path';
import { finishInterruptedRestore, fixCommand, type SettleDeps } from './settle-restore.ts';

// What guarding a run needs: the unit's lock, and what settling an interrupted restore needs.
export interface GuardDeps extends SettleDeps {
  lock: UnitLock;
  dataDir: string;
}

// What was found of an interrupted restore: nothing, one still running, one settled now, or one that needs a hand.
export type RecoveryReport =
  | { kind: 'none' }
  | { kind: 'busy'; holder: LockHolder | undefined }
  | { kind: 'settled'; message: string }
  | { kind: 'blocked'; message: string };

// An interrupted restore that could not be settled; its message names the command that fixes it.
export class RecoveryBlockedError extends AgentError {
  override readonly name = 'RecoveryBlockedError';
}

// With the lock held: finishes or undoes the restore a dead run left a journal of.
const settleJournal = async (deps: GuardDeps): Promise<RecoveryReport> => {
  const journal = await readJournal(deps.dataDir);
  if (journal === undefined) return { kind: 'none' };
  if (journal === 'unreadable') {
    return { kind: 'blocked', message: `the restore journal ${journalPath(deps.dataDir)} is damaged; check ${deps.dataDir} and its etcd service by hand, then run rm ${journalPath(deps.dataDir)}` };
  }
  try {
    const message = await finishInterruptedRestore(deps, journal);
    // The dead run's scratch beside the data dir goes with it.
    await removeLeftovers(dirname(deps.dataDir));
    return { kind: 'settled', message };
  } catch (error) {
    return { kind: 'blocked', message: `an interrupted restore of ${deps.dataDir} could not be finished (${oneLine(error)}); run ${await fixCommand(journal)}` };
  }
};

// For entry points that take no lock of their own (hooks, list-snapshots): when a journal exists, takes the lock
// without waiting (busy means the restore still runs) and settles it.
export const recoverInterruptedRestore = async (deps: GuardDeps): Promise<RecoveryReport> => {
  if ((await readJournal(deps.dataDir)) === undefined) return { kind: 'none' };
  let held;
  try {
    held = await deps.lock.acquire('restore recovery', { waitMs: 0 });
  } catch (error) {
    if (error instanceof LockBusyError) return { kind: 'busy', holder: error.holder };
    throw error;
  }
  try {
    return await settleJournal(deps);
  } finally {
    await held.release();
  }
};

// Runs work holding the unit's lock, after settling any interrupted restore first; throws LockBusyError when the lock
// stayed busy, RecoveryBlockedError when an interrupted restore needs a hand.
export const withUnitLock = async <T>(deps: GuardDeps, what: string, options: AcquireOptions, work: () => Promise<T>): Promise<T> => {
  const held = await deps.lock.acquire(what, {
    waitMs: options.waitMs,
    onBusy: async (holder) => {
      const giveUp = await options.onBusy?.(holder);
      if (giveUp !== true && options.waitMs > 0) await deps.progress(`waiting up to ${Math.round(options.waitMs / 1000)}s for ${describeHolder(holder)} to finish`);
      return giveUp;
    },
  });
  try {
    const report = await settleJournal(deps);
    if (report.kind === 'blocked') throw new RecoveryBlockedError(report.message);
    if (report.kind === 'settled') await deps.progress(report.message);
    return await work();
  } finally {
    await held.release();
  }
};

// The guard of one unit, from its config and the parts the composition root built.
export const unitGuard = (
  config: { etcdDataDir: string; restoreHealthTimeoutMs: number },
  parts: Pick<GuardDeps, 'lock' | 'etcd' | 'service' | 'clock' | 'progress'>,
): GuardDeps => ({ ...parts, dataDir: config.etcdDataDir, healthTimeoutMs: config.restoreHealthTimeoutMs });

// True when the lock's holder is a restore (or the settling of one): scheduled work then skips instead of waiting.
export const heldByRestore = (holder: LockHolder | undefined): boolean => holder?.what === 'restore' || holder?.what === 'restore recovery';
