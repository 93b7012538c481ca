import { AgentError, oneLine } from '../errors/agent-error.ts';
import { planRetention } from '../policy/retention.ts';
import type { SnapshotStore, StoredSnapshot } from '../store/snapshot-store.ts';

// How to prune: dryRun reports without removing; onRemove hears of each removal (or would-be removal) as it happens.
export interface PruneOptions {
  dryRun?: boolean;
  onRemove?: (snapshot: StoredSnapshot) => void;
  signal?: AbortSignal;
}

// What a prune removed (or, in a dry run, would remove) and what it kept, newest first.
export interface PruneOutcome {
  removed: StoredSnapshot[];
  kept: StoredSnapshot[];
}

// Applies the retention policy to one store: keeps the newest `retention` scheduled snapshots,
// never touches manual ones, unreadable ones or anything not of the exact name pattern.
// A failed removal stops the prune with an AgentError that says what was already removed.
export const pruneSnapshots = async (store: SnapshotStore, retention: number, options: PruneOptions = {}): Promise<PruneOutcome> => {
  const signal = options.signal ? { signal: options.signal } : {};
  const plan = planRetention(await store.list(signal), retention);
  const removed: StoredSnapshot[] = [];
  for (const snapshot of plan.remove) {
    if (!options.dryRun) {
      try {
        await store.delete(snapshot.name, signal);
      } catch (error) {
        const done = removed.length === 0 ? 'nothing was removed before it' : `already removed: ${removed.map((s) => s.name).join(', ')}`;
        throw new AgentError(`pruning store ${store.location} stopped at ${snapshot.name}: ${oneLine(error)} (${done})`, { cause: error });
      }
    }
    removed.push(snapshot);
    options.onRemove?.(snapshot);
  }
  return { removed, kept: plan.keep };
};
