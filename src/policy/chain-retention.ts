import type { SegmentName } from '../delta/delta-types.ts';
import { archiveStamp, parseSegmentName } from '../delta/segment-name.ts';
import type { RetentionPlan } from './retention.ts';

// The segments of one chain retention removes: those of a base it removes, or orphans (their base is gone).
export interface ChainRemoval<S extends SegmentName> {
  // The base archive removed with them; undefined for orphans.
  base: string | undefined;
  stamp: string;
  segments: S[];
}

const stampsOf = (names: readonly { name: string }[]): Set<string> =>
  new Set(names.map((snapshot) => archiveStamp(snapshot.name)).filter((stamp) => stamp !== undefined));

// Which segments go with a retention plan of the same store: a chain is removed only with its base (the segments of
// a removed archive's stamp, unless a kept archive has that stamp too), and segments whose base is already gone when
// their stamp is older than the oldest kept archive's. Never a kept base's chain (so never the newest chain, whose
// base retention keeps), never a segment newer than the oldest kept base without a base (capture may be starting
// one), never a name that is not a segment's exact pattern. Removed bases first (newest first), then orphans
// oldest first; each chain's segments ascending as given. Pure.
export const planChainRetention = <S extends SegmentName>(plan: RetentionPlan, segments: readonly S[]): ChainRemoval<S>[] => {
  const exact = segments.filter((segment) => parseSegmentName(segment.name)?.name === segment.name);
  const kept = stampsOf(plan.keep);
  const removed = stampsOf(plan.remove);
  const oldestKept = [...kept].sort()[0];
  const withBase: ChainRemoval<S>[] = [];
  for (const snapshot of plan.remove) {
    const stamp = archiveStamp(snapshot.name);
    if (stamp === undefined || kept.has(stamp) || withBase.some((chain) => chain.stamp === stamp)) continue;
    const own = exact.filter((segment) => segment.stamp === stamp);
    if (own.length > 0) withBase.push({ base: snapshot.name, stamp, segments: own });
  }
  const orphans = new Map<string, S[]>();
  for (const segment of exact) {
    if (oldestKept === undefined || kept.has(segment.stamp) || removed.has(segment.stamp) || segment.stamp >= oldestKept) continue;
    if (!orphans.has(segment.stamp)) orphans.set(segment.stamp, []);
    orphans.get(segment.stamp)!.push(segment);
  }
  const orphaned = [...orphans.keys()].sort().map((stamp) => ({ base: undefined, stamp, segments: orphans.get(stamp)! }));
  return [...withBase, ...orphaned];
};
