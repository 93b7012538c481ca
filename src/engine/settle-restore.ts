import { rename, rm } from 'node:fs/promises';
import type { Clock } from '../clock/clock.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { ServiceManager } from '../system/service-manager.ts';
import { exists, move } from './data-dir.ts';
import { enterPhase, journalPath, removeJournal, type RestoreJournal } from './restore-journal.ts';
import { waitHealthy } from './wait-healthy.ts';

// What finishing or undoing a restore needs.
export interface SettleDeps {
  etcd: EtcdClient;
  service: ServiceManager;
  clock: Clock;
  progress(message: string): Promise<void>;
  healthTimeoutMs: number;
}

// Starts etcd unless it already runs, and waits until it answers.
const startAndWait = async (deps: SettleDeps, service: string): Promise<number> => {
  if (!(await deps.service.isActive(service))) await deps.service.start(service);
  return (await waitHealthy(deps.etcd, deps.clock, deps.healthTimeoutMs)).revision;
};

// Checks that etcd serves the restored data: at least the snapshot's revision, and its key count when known.
export const checkRestored = async (deps: SettleDeps, journal: RestoreJournal, revision: number): Promise<void> => {
  if (revision < journal.expectedRevision) throw new AgentError(`etcd came up at revision ${revision}, below the snapshot's ${journal.expectedRevision}`);
  if (journal.expectedKeys !== undefined) {
    const live = await deps.etcd.keyCount(journal.expectedRevision);
    if (live !== journal.expectedKeys) throw new AgentError(`etcd holds ${live} keys at revision ${journal.expectedRevision}, the snapshot had ${journal.expectedKeys}`);
  }
};

// Puts back every pki/ file a restore replaced (a kept copy exists only once it was complete).
const undoPki = async (journal: RestoreJournal): Promise<void> => {
  for (const { to, kept } of [...journal.pki].reverse()) if (kept && (await exists(kept))) await rename(kept, to);
};

// The one shell line an operator runs to put the previous data back by hand, as things stand on disk now.
export const fixCommand = async (journal: RestoreJournal): Promise<string> => {
  const steps: string[] = [];
  const previous = await exists(journal.previous);
  if (previous && (await exists(journal.dataDir))) steps.push(`mv ${journal.dataDir} ${journal.failed}`);
  if (previous) steps.push(`mv ${journal.previous} ${journal.dataDir}`);
  steps.push(`rm ${journalPath(journal.dataDir)}`, `systemctl start ${journal.service}`);
  return steps.join(' && ');
};

// Undoes a restore: the restored data moves aside to `failed`, the previous data (and pki/ files) back, etcd starts
// on it. Safe to run again from any point: each step looks at the disk first. Removes the journal when done.
export const rollBackRestore = async (deps: SettleDeps, journal: RestoreJournal, reason: string): Promise<void> => {
  if (journal.phase !== 'rolling-back') {
    journal.reason = reason;
    await enterPhase(journal, 'rolling-back', deps.clock.now());
  }
  await deps.progress(`putting the previous data back (${reason})`);
  await deps.service.stop(journal.service).catch(() => undefined);
  // Never move a data dir out from under a running etcd.
  if (await deps.service.isActive(journal.service)) throw new AgentError(`${journal.service} is still active after systemctl stop; no data was moved`);
  await undoPki(journal);
  const previous = await exists(journal.previous);
  // With previous data gone from its kept name it is already back in place: move nothing.
  if ((previous || !journal.hadData) && (await exists(journal.dataDir))) await move(journal.dataDir, journal.failed);
  if (previous) await move(journal.previous, journal.dataDir);
  await rm(journal.fresh, { recursive: true, force: true });
  await startAndWait(deps, journal.service);
  await removeJournal(journal.dataDir);
};

// Finishes a restore whose process died, the safe way, from what its journal and the disk say:
// - before the swap completed (the fresh dir still exists): the fresh dir is removed, the data put back if it had
//   moved, and etcd started on the untouched data;
// - after the swap (and pki/ files) completed: etcd is started on the restored data and checked (revision, keys),
//   and rolled back to the previous data if that fails;
// - during a rollback, or with pki/ files half written: rolled back.
// Returns what it did, on one line; throws when it could not (the journal then stays for the next try).
export const finishInterruptedRestore = async (deps: SettleDeps, journal: RestoreJournal): Promise<string> => {
  const what = `the restore from ${journal.source} interrupted at ${journal.phase} (${journal.updated})`;
  if (journal.phase === 'rolling-back') {
    await rollBackRestore(deps, journal, journal.reason ?? 'interrupted');
    return `${what} was rolled back; etcd runs on the previous data`;
  }
  const freshLeft = await exists(journal.fresh);
  if (freshLeft || journal.phase === 'prepared' || journal.phase === 'stopping') {
    if (!(await exists(journal.dataDir)) && (await exists(journal.previous))) await move(journal.previous, journal.dataDir);
    await rm(journal.fresh, { recursive: true, force: true });
    await startAndWait(deps, journal.service);
    await removeJournal(journal.dataDir);
    return `${what} had not swapped the data; the fresh dir is removed and etcd runs on the untouched data`;
  }
  if (journal.phase === 'swapping' && journal.pki.length > 0) {
    await rollBackRestore(deps, journal, 'interrupted while writing pki/ files back');
    return `${what} was rolled back (its pki/ files were half written); etcd runs on the previous data`;
  }
  try {
    const revision = await startAndWait(deps, journal.service);
    await checkRestored(deps, journal, revision);
  } catch (error) {
    const reason = oneLine(error);
    await rollBackRestore(deps, journal, `the restored data did not come up: ${reason}`);
    return `${what} was rolled back: the restored data did not come up (${reason}); etcd runs on the previous data`;
  }
  await removeJournal(journal.dataDir);
  return `${what} is finished: etcd runs on the restored data (revision ${journal.expectedRevision} or later)`;
};
