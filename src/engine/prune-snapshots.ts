import { AgentError, oneLine } from '../errors/agent-error.ts';
import { planChainRetention, type ChainRemoval } from '../policy/chain-retention.ts';
import { planRetention } from '../policy/retention.ts';
import type { DeltaStore, StoredSegment } from '../store/delta-store.ts';
import type { SnapshotStore, StoredSnapshot } from '../store/snapshot-store.ts';

// How to prune: dryRun reports without removing; onRemove hears of each removal (or would-be removal) as it happens.
// With deltas (the segment store beside the archives: the same dir, or the same bucket and prefix), a chain's
// segments go with its base, and orphans older than the oldest kept base go too; onRemoveChain hears of each.
export interface PruneOptions {
  dryRun?: boolean;
  onRemove?: (snapshot: StoredSnapshot) => void;
  deltas?: DeltaStore | undefined;
  onRemoveChain?: (chain: ChainRemoval<StoredSegment>) => void;
  signal?: AbortSignal;
}

// What a prune removed (or, in a dry run, would remove) and what it kept, newest first; with deltas, the segments
// removed by chain (removed bases first, then orphans).
export interface PruneOutcome {
  removed: StoredSnapshot[];
  kept: StoredSnapshot[];
  chains?: ChainRemoval<StoredSegment>[];
}

// What a stopped prune had already done, for its message.
const doneSoFar = (removed: readonly StoredSnapshot[], segments: number): string => {
  const parts = [removed.length > 0 ? removed.map((s) => s.name).join(', ') : '', segments > 0 ? `${segments} delta segment(s)` : ''].filter(Boolean);
  return parts.length === 0 ? 'nothing was removed before it' : `already removed: ${parts.join(' and ')}`;
};

// Applies the retention policy to one store: keeps the newest `retention` scheduled snapshots,
// never touches manual ones, unreadable ones or anything not of the exact name pattern. A chain's segments are
// removed just before its base (so a stopped prune leaves a base without segments, never segments without a base
// it meant to keep). A failed removal stops the prune with an AgentError that says what was already removed.
export const pruneSnapshots = async (store: SnapshotStore, retention: number, options: PruneOptions = {}): Promise<PruneOutcome> => {
  const signal = options.signal ? { signal: options.signal } : {};
  const plan = planRetention(await store.list(signal), retention);
  const { deltas } = options;
  const chains = deltas ? planChainRetention(plan, await deltas.listSegments(signal)) : [];
  const removed: StoredSnapshot[] = [];
  let segmentsRemoved = 0;
  const removeChain = async (chain: ChainRemoval<StoredSegment>, deltaStore: DeltaStore): Promise<void> => {
    for (const segment of chain.segments) {
      if (options.dryRun) continue;
      try {
        await deltaStore.deleteSegment(segment.name, signal);
      } catch (error) {
        throw new AgentError(`pruning store ${deltaStore.location} stopped at delta segment ${segment.name}: ${oneLine(error)} (${doneSoFar(removed, segmentsRemoved)})`, { cause: error });
      }
      segmentsRemoved += 1;
    }
    options.onRemoveChain?.(chain);
  };
  for (const snapshot of plan.remove) {
    const chain = chains.find((c) => c.base === snapshot.name);
    if (chain && deltas) await removeChain(chain, deltas);
    if (!options.dryRun) {
      try {
        await store.delete(snapshot.name, signal);
      } catch (error) {
        throw new AgentError(`pruning store ${store.location} stopped at ${snapshot.name}: ${oneLine(error)} (${doneSoFar(removed, segmentsRemoved)})`, { cause: error });
      }
    }
    removed.push(snapshot);
    options.onRemove?.(snapshot);
  }
  if (deltas) for (const chain of chains.filter((c) => c.base === undefined)) await removeChain(chain, deltas);
  return { removed, kept: plan.keep, ...(deltas ? { chains } : {}) };
};
