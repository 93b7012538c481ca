import { chainEnd, planReplay, type ReplayPlan } from '../delta/chains.ts';
import type { CaptureStatus, Chain, RecoverablePoint, SegmentManifest, SegmentName } from '../delta/delta-types.ts';
import { checkSegmentSha256, readSegmentManifest } from '../delta/segment-reader.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { StoredSegment } from '../store/delta-store.ts';
import type { LoadedPlan } from './load-plan.ts';

// A segment that passed every check, ready to be replayed.
export interface CheckedSegment {
  segment: SegmentName;
  path: string;
  sha256: string;
  manifest: SegmentManifest;
}

// What the checks need beside the plan.
export interface SegmentCheckContext {
  pathOf(name: string): string | Promise<string>;
  // The segments the store lists (their sidecar checksums); a segment not listed is checked against its sidecar.
  listed: readonly StoredSegment[];
  identity?: string | undefined;
  capture: CaptureStatus | undefined;
}

// The checks that can be done without trusting the segment, in order: sidecar checksum, trailer, then the trailer
// against the name, the base and the segment before. Throws why it cannot be used.
const checkOne = async (segment: SegmentName, expectedFirst: number, plan: ReplayPlan, context: SegmentCheckContext): Promise<CheckedSegment> => {
  const path = await context.pathOf(segment.name);
  if (segment.encrypted && !context.identity) throw new AgentError('it is encrypted and no age identity was given (identity-secret, or --identity-file outside Juju)');
  const sha256 = await checkSegmentSha256(path, context.listed.find((s) => s.name === segment.name)?.sha256);
  const manifest = await readSegmentManifest(path, context.identity ? { identity: context.identity } : {});
  const base = plan.chain.base;
  if (base.clusterId === undefined) throw new AgentError(`the base ${base.name} records no cluster id, so no segment can be matched to it`);
  if (manifest.clusterId.toLowerCase() !== base.clusterId.toLowerCase()) throw new AgentError(`its events are of cluster ${manifest.clusterId}, the base ${base.name} is of cluster ${base.clusterId}`);
  if (manifest.base !== base.name || manifest.baseRevision !== base.revision) throw new AgentError(`its trailer says it follows ${manifest.base} (revision ${manifest.baseRevision}), not ${base.name} (revision ${base.revision})`);
  if (manifest.firstRevision !== segment.firstRevision || manifest.lastRevision !== segment.lastRevision) {
    throw new AgentError(`its trailer says revisions ${manifest.firstRevision} to ${manifest.lastRevision}, its name ${segment.firstRevision} to ${segment.lastRevision}`);
  }
  if (segment.firstRevision !== expectedFirst) throw new AgentError(`it starts at revision ${segment.firstRevision}, the one before it ends at ${expectedFirst - 1}: not contiguous`);
  return { segment, path, sha256, manifest };
};

// The plan without a damaged segment and all after it in its chain: its end is the last good segment's.
const without = (loaded: LoadedPlan, bad: SegmentName, lastGood: SegmentManifest | undefined, capture: CaptureStatus | undefined): { chains: Chain[]; ends: RecoverablePoint[] } => {
  const at = loaded.chains.indexOf(loaded.plan.chain);
  const chain = loaded.plan.chain;
  const cut: Chain = { ...chain, segments: chain.segments.filter((s) => s.firstRevision < bad.firstRevision), holes: chain.holes.filter((h) => h.fromRevision < bad.firstRevision) };
  const chains = loaded.chains.map((c, i) => (i === at ? cut : c));
  const ends = loaded.ends.map((e, i) => (i === at ? chainEnd(cut, lastGood, capture) : e));
  return { chains, ends };
};

// Checks every segment the plan needs before anything starts (sha256 sidecar, trailer, cluster id, base, contiguous
// revisions) and returns them in order. For a time target, segments whose events all come after it are not needed.
// A damaged segment is refused naming it and the window that remains without it (or, when the target is still
// reachable without it, the plan is made again without it).
export const checkSegments = async (loaded: LoadedPlan, context: SegmentCheckContext): Promise<{ plan: ReplayPlan; segments: CheckedSegment[] }> => {
  const { plan } = loaded;
  const checked: CheckedSegment[] = [];
  let expected = plan.chain.base.revision + 1;
  const limit = plan.target.kind === 'time' ? plan.target.time.getTime() : undefined;
  for (const segment of plan.segments) {
    if (limit !== undefined && checked.length > 0 && Date.parse(checked.at(-1)!.manifest.lastEventTime) > limit) break;
    let one: CheckedSegment;
    try {
      one = await checkOne(segment, expected, plan, context);
    } catch (error) {
      const why = `segment ${segment.name} cannot be used (${oneLine(error)})`;
      const rest = without(loaded, segment, checked.at(-1)?.manifest, context.capture);
      let again: ReplayPlan;
      try {
        again = planReplay(rest.chains, rest.ends, plan.target, context.capture);
      } catch (refusal) {
        throw new AgentError(`${why}; without it, ${oneLine(refusal)}`, { cause: error });
      }
      return checkSegments({ plan: again, ...rest }, context);
    }
    if (limit !== undefined && Date.parse(one.manifest.firstEventTime) > limit) break;
    checked.push(one);
    expected = segment.lastRevision + 1;
  }
  return { plan, segments: checked };
};
