import { basename, join, resolve } from 'node:path';
import { planReplay, type ReplayPlan } from '../delta/chains.ts';
import type { CaptureStatus, Chain, RecoverablePoint } from '../delta/delta-types.ts';
import { readChains, type LocalDeltas } from '../delta/read-window.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { LOCAL_LOCATION, type LocalStore } from '../store/local-store.ts';
import type { PointFiles, RemoteSources } from './point-files.ts';
import type { PointTarget } from './point-target.ts';

// The unit's snapshot dir as a replay reads it: the full snapshots (bases) and the delta segments beside them, and
// the off-unit store's when one is configured (what the snapshot dir lacks is downloaded when the plan needs it).
export interface PointSources {
  snapshots: LocalStore;
  deltas: LocalDeltas;
  remote?: (() => Promise<RemoteSources | undefined>) | undefined;
  // The capture status of the schedule state file (what the chain being written covers).
  capture: CaptureStatus | undefined;
  identity?: string | undefined;
}

// A plan and everything it was made from (a damaged segment is refused with the window that remains without it).
export interface LoadedPlan {
  plan: ReplayPlan;
  chains: Chain[];
  ends: RecoverablePoint[];
}

// The chains of the snapshot dir (and the off-unit store) and the replay that reaches target: from the newest base
// at or before it, or from the base the operator named (source: its name, its path in the snapshot dir or its s3://
// URL). Refuses a target outside the window or across a gap (planReplay's message names the window and the nearest
// good points, and says when the off-unit store could not be listed).
export const loadPlan = async (sources: PointSources, files: PointFiles, target: PointTarget, source: string): Promise<LoadedPlan> => {
  const { chains, ends, bad } = await readChains(files.deltas, files.bases, sources.identity, sources.capture);
  // A chain whose last segment's trailer could not be read ends before it: the refusal says which and why.
  const plan = (c: Chain[], e: RecoverablePoint[]): ReplayPlan => {
    try {
      return planReplay(c, e, target, sources.capture);
    } catch (error) {
      const notes = [
        ...(bad.length ? [`left out: ${bad.map((b) => `segment ${b.name}: ${b.error}`).join('; ')}`] : []),
        ...(files.unlisted ? [`not consulted: ${files.unlisted}`] : []),
      ];
      if (notes.length === 0) throw error;
      throw new AgentError(`${oneLine(error)} (${notes.join('; ')})`, { cause: error });
    }
  };
  const wanted = source.trim();
  if (wanted === '') return { plan: plan(chains, ends), chains, ends };
  const name = basename(wanted);
  const at = chains.findIndex((chain) => chain.base.name === name);
  const listed = files.bases.find((b) => b.name === name);
  const offUnit = listed !== undefined && listed.location !== LOCAL_LOCATION;
  const named = wanted.startsWith('s3://') ? offUnit && listed.location === wanted
    : wanted.includes('/') ? !offUnit && resolve(wanted) === join(resolve(sources.snapshots.dir), name)
      : true;
  if (at < 0 || !named) {
    const known = chains.map((c) => c.base.name);
    throw new AgentError(`source ${wanted} is not a full snapshot in ${sources.snapshots.dir}${files.remoteLocation ? ` or ${files.remoteLocation}` : ''} a replay can start from${known.length ? ` (there: ${known.join(', ')})` : ' (there is none)'}; with ${target.param}, leave source empty to use the newest one at or before it`);
  }
  const chain = chains[at] as Chain;
  const end = ends[at] as RecoverablePoint;
  return { plan: plan([chain], [end]), chains: [chain], ends: [end] };
};
