import { AgentError } from '../errors/agent-error.ts';
import type { CaptureStatus, Chain, ChainBase, RecoverablePoint, RecoverableWindow, SegmentManifest, SegmentName } from './delta-types.ts';

// Chains, their ends, the recoverable window and the plan of a replay to a point (CONTRACT §7). Pure: callers read
// names, manifests and the capture status; nothing here touches a file.

const ms = (iso: string): number => Date.parse(iso);

const iso = (time: string | number): string => new Date(time).toISOString();

const laterOf = (a: string, b: string): string => (ms(b) > ms(a) ? b : a);

// Oldest first: by stamp (the moment the base was taken), then revision, then name.
const baseOrder = (a: ChainBase, b: ChainBase): number =>
  a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.revision - b.revision || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// Ascending by first revision; of two starting at one revision the longer first (the walk takes it), then by name.
const segmentOrder = (a: SegmentName, b: SegmentName): number =>
  a.firstRevision - b.firstRevision || b.lastRevision - a.lastRevision || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// The first of each name (one segment or base may be listed by both the local dir and the off-unit store).
const uniqueByName = <T extends { name: string }>(items: readonly T[]): T[] => {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.name) && seen.add(item.name) !== undefined);
};

// Walks a chain's segments from base.revision + 1: the segments a replay applies (each starting right after the one
// before, up to the first hole), and the holes. A segment starting at or before revisions already reached is not
// walked (a duplicate or an overlap) and never counts as a hole.
const walk = (base: ChainBase, segments: readonly SegmentName[]): { path: SegmentName[]; holes: Chain['holes'] } => {
  const path: SegmentName[] = [];
  const holes: Chain['holes'] = [];
  let next = base.revision + 1;
  for (const segment of segments) {
    if (segment.firstRevision < next) continue;
    if (segment.firstRevision > next) holes.push({ fromRevision: next, toRevision: segment.firstRevision - 1 });
    else if (holes.length === 0) path.push(segment);
    next = segment.lastRevision + 1;
  }
  return { path, holes };
};

// The chains of some full snapshots and segments, oldest base first: each base with the segments of its stamp,
// ascending (a name listed twice is taken once), and the revisions between them no segment covers. Segments whose
// stamp is no base's belong to no chain; of bases sharing a stamp the first (by revision, then name) takes them.
export const buildChains = (bases: ChainBase[], segments: SegmentName[]): Chain[] => {
  const ordered = uniqueByName(bases).sort(baseOrder);
  const byStamp = new Map<string, SegmentName[]>();
  for (const segment of uniqueByName(segments)) {
    if (!byStamp.has(segment.stamp)) byStamp.set(segment.stamp, []);
    byStamp.get(segment.stamp)!.push(segment);
  }
  const taken = new Set<string>();
  return ordered.map((base) => {
    const own = taken.has(base.stamp) ? [] : (byStamp.get(base.stamp) ?? []).sort(segmentOrder);
    taken.add(base.stamp);
    return { base, segments: own, holes: walk(base, own).holes };
  });
};

// The segments a replay of the chain applies, ascending: from the base up to the first hole.
export const replayPath = (chain: Chain): SegmentName[] => walk(chain.base, chain.segments).path;

// The newest point the chain restores to: the last segment before its first hole (or the base when it has none).
// Its time is lastManifest's lastEventTime when that manifest is of that segment; for the chain the capture is
// writing (capture.base), when capture.coveredRevision is that revision, the later of that and capture.coveredAt
// (etcd confirmed nothing newer until then). With segments and neither, fallbackTime (default: the base's created
// time, which claims no time after the base).
export const chainEnd = (chain: Chain, lastManifest: SegmentManifest | undefined, capture: CaptureStatus | undefined, fallbackTime?: string): RecoverablePoint => {
  const last = replayPath(chain).at(-1);
  const revision = last?.lastRevision ?? chain.base.revision;
  const own = last !== undefined && lastManifest?.lastRevision === revision && lastManifest.firstRevision === last.firstRevision;
  let time: string | undefined = last === undefined ? chain.base.created : own ? lastManifest.lastEventTime : undefined;
  if (capture?.base === chain.base.name && capture.coveredRevision === revision) time = time === undefined ? capture.coveredAt : laterOf(time, capture.coveredAt);
  return { time: iso(time ?? laterOf(chain.base.created, fallbackTime ?? chain.base.created)), revision };
};

const checkEnds = (chains: readonly Chain[], ends: readonly RecoverablePoint[]): void => {
  if (ends.length !== chains.length) throw new AgentError(`cannot work out the recoverable window: ${chains.length} chain(s) but ${ends.length} chain end(s)`);
};

const basePoint = (chain: Chain): RecoverablePoint => ({ time: iso(chain.base.created), revision: chain.base.revision });

// The revision ranges in from..to that no chain restores to, with the capture's recorded gaps in the window, merged.
const uncovered = (chains: readonly Chain[], ends: readonly RecoverablePoint[], capture: CaptureStatus | undefined, from: number, to: number): { fromRevision: number; toRevision: number }[] => {
  const covered = chains.map((chain, i) => [chain.base.revision, ends[i]!.revision] as const).sort((a, b) => a[0] - b[0]);
  const ranges: { fromRevision: number; toRevision: number }[] = [];
  let reached = from - 1;
  for (const [start, end] of covered) {
    if (start > reached + 1) ranges.push({ fromRevision: reached + 1, toRevision: start - 1 });
    reached = Math.max(reached, end);
  }
  if (reached < to) ranges.push({ fromRevision: reached + 1, toRevision: to });
  for (const gap of capture?.gaps ?? []) {
    const fromRevision = Math.max(gap.fromRevision, from);
    const toRevision = Math.min(gap.toRevision, to);
    if (fromRevision <= toRevision) ranges.push({ fromRevision, toRevision });
  }
  ranges.sort((a, b) => a.fromRevision - b.fromRevision);
  const merged: typeof ranges = [];
  for (const range of ranges) {
    const prev = merged.at(-1);
    if (prev && range.fromRevision <= prev.toRevision + 1) prev.toRevision = Math.max(prev.toRevision, range.toRevision);
    else merged.push({ ...range });
  }
  return merged;
};

// The window whether or not anything was captured (planReplay names it in its refusals).
const windowOf = (chains: readonly Chain[], ends: readonly RecoverablePoint[], capture: CaptureStatus | undefined): RecoverableWindow => {
  const from = basePoint(chains[0]!);
  const to = ends.at(-1)!;
  return {
    from,
    to: { time: iso(to.time), revision: to.revision },
    gaps: uncovered(chains, ends, capture, from.revision, to.revision).length,
    chains: chains.map((chain, i) => ({ base: chain.base.name, segments: chain.segments.length, from: basePoint(chain), to: { time: iso(ends[i]!.time), revision: ends[i]!.revision } })),
  };
};

// What can be restored over all chains (ends[i] is chains[i]'s, chains oldest first): from the oldest base to the
// newest chain's end, and how many revision ranges in between no chain restores to (holes, ranges between chains,
// the capture's recorded gaps; overlapping ones count once). Undefined with no chain, or with no segment and no
// capture status (point-in-time recovery is off: there is only the snapshots themselves).
export const recoverableWindow = (chains: Chain[], ends: RecoverablePoint[], capture: CaptureStatus | undefined): RecoverableWindow | undefined => {
  checkEnds(chains, ends);
  if (chains.length === 0) return undefined;
  if (capture === undefined && chains.every((chain) => chain.segments.length === 0)) return undefined;
  return windowOf(chains, ends, capture);
};

// A point to restore to, as the operator gave it (param and text, for messages).
export type PointTarget = { kind: 'time'; time: Date; given: string; param: 'to-time' } | { kind: 'revision'; revision: number; given: string; param: 'to-revision' };

// How to reach a target: the chain, its end, and the segments to replay in order (the base first, then these).
export interface ReplayPlan {
  chain: Chain;
  end: RecoverablePoint;
  segments: SegmentName[];
  target: PointTarget;
}

// Chain ends as far as time goes: a chain whose end revision is the next base's revision stayed unchanged until that
// base was taken, so it restores to any time up to the next base's created time.
const timeEnds = (chains: readonly Chain[], ends: readonly RecoverablePoint[]): RecoverablePoint[] =>
  ends.map((end, i) => {
    const next = chains[i + 1];
    return next !== undefined && next.base.revision === end.revision ? { ...end, time: iso(laterOf(end.time, next.base.created)) } : end;
  });

const pointText = (point: RecoverablePoint): string => `revision ${point.revision} (${iso(point.time)})`;

// The refusal of a target no chain restores to: the window there is and the nearest points on either side.
const refusal = (chains: readonly Chain[], ends: readonly RecoverablePoint[], target: PointTarget, capture: CaptureStatus | undefined): AgentError => {
  const window = windowOf(chains, ends, capture);
  const gaps = window.gaps === 0 ? '' : ` with ${window.gaps} gap${window.gaps === 1 ? '' : 's'}`;
  const at = (point: RecoverablePoint): number => (target.kind === 'time' ? ms(point.time) : point.revision);
  const wanted = target.kind === 'time' ? target.time.getTime() : target.revision;
  const befores = ends.filter((end) => at(end) < wanted).sort((a, b) => at(b) - at(a) || b.revision - a.revision);
  const afters = chains.map(basePoint).filter((point) => at(point) > wanted).sort((a, b) => at(a) - at(b) || a.revision - b.revision);
  const near = [befores[0], afters[0]].filter((point) => point !== undefined);
  const nearest = near.length === 1 ? `the nearest recoverable point is ${pointText(near[0]!)}` : `the nearest recoverable points are ${near.map(pointText).join(' and ')}`;
  return new AgentError(`${target.param} ${target.given} is not recoverable: the recoverable window is ${iso(window.from.time)} (revision ${window.from.revision}) to ${iso(window.to.time)} (revision ${window.to.revision})${gaps}; ${nearest}`);
};

// The replay that reaches a target: the newest chain whose base is at or before it and whose end is at or after it
// (ends[i] is chains[i]'s); for a revision the segments up to the one holding it, for a time all the chain's walked
// segments (the replay stops at the first event after it). Refuses outside the window or in a gap, naming the
// window and the nearest recoverable points.
export const planReplay = (chains: Chain[], ends: RecoverablePoint[], target: PointTarget, capture: CaptureStatus | undefined): ReplayPlan => {
  checkEnds(chains, ends);
  if (chains.length === 0) throw new AgentError(`${target.param} ${target.given} is not recoverable: there is no full snapshot to replay from; take one with the snapshot action`);
  if (target.kind === 'time' && !Number.isFinite(target.time.getTime())) throw new AgentError(`to-time ${target.given} is not a time: give an RFC 3339 UTC time such as 2026-12-01T14:31:00Z`);
  if (target.kind === 'revision' && !(Number.isSafeInteger(target.revision) && target.revision > 0)) throw new AgentError(`to-revision ${target.given} is not a revision: give a whole number of at least 1`);
  const byTime = timeEnds(chains, ends);
  for (let i = chains.length - 1; i >= 0; i -= 1) {
    const chain = chains[i]!;
    const path = replayPath(chain);
    if (target.kind === 'revision') {
      if (chain.base.revision <= target.revision && target.revision <= ends[i]!.revision) {
        return { chain, end: ends[i]!, segments: path.filter((segment) => segment.firstRevision <= target.revision), target };
      }
    } else if (ms(chain.base.created) <= target.time.getTime() && target.time.getTime() <= ms(byTime[i]!.time)) {
      return { chain, end: byTime[i]!, segments: path, target };
    }
  }
  throw refusal(chains, target.kind === 'time' ? byTime : ends, target, capture);
};
