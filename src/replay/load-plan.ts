import { basename, join, resolve } from 'node:path';
import { planReplay, type ReplayPlan } from '../delta/chains.ts';
import type { CaptureStatus, Chain, RecoverablePoint } from '../delta/delta-types.ts';
import { readChains } from '../delta/read-window.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { DeltaStore } from '../store/delta-store.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { PointTarget } from './point-target.ts';

// The unit's snapshot dir as a replay reads it: the full snapshots (bases) and the delta segments beside them.
export interface PointSources {
  snapshots: LocalStore;
  deltas: DeltaStore & { pathOf(name: string): string };
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

// The chains of the snapshot dir and the replay that reaches target: from the newest base at or before it, or from
// the base the operator named (source: its name, or its path in the snapshot dir). Refuses a target outside the
// window or across a gap (planReplay's message names the window and the nearest good points).
export const loadPlan = async (sources: PointSources, target: PointTarget, source: string): Promise<LoadedPlan> => {
  const bases = await sources.snapshots.list();
  const { chains, ends, bad } = await readChains(sources.deltas, bases, sources.identity, sources.capture);
  // A chain whose last segment's trailer could not be read ends before it: the refusal says which and why.
  const plan = (c: Chain[], e: RecoverablePoint[]): ReplayPlan => {
    try {
      return planReplay(c, e, target, sources.capture);
    } catch (error) {
      if (bad.length === 0) throw error;
      throw new AgentError(`${oneLine(error)} (left out: ${bad.map((b) => `segment ${b.name}: ${b.error}`).join('; ')})`, { cause: error });
    }
  };
  const wanted = source.trim();
  if (wanted === '') return { plan: plan(chains, ends), chains, ends };
  const name = basename(wanted);
  const at = chains.findIndex((chain) => chain.base.name === name);
  if (at < 0 || (wanted.includes('/') && resolve(wanted) !== join(resolve(sources.snapshots.dir), name))) {
    const known = chains.map((c) => c.base.name);
    throw new AgentError(`source ${wanted} is not a full snapshot in ${sources.snapshots.dir} a replay can start from${known.length ? ` (there: ${known.join(', ')})` : ' (there is none)'}; with ${target.param}, leave source empty to use the newest one at or before it`);
  }
  const chain = chains[at] as Chain;
  const end = ends[at] as RecoverablePoint;
  return { plan: plan([chain], [end]), chains: [chain], ends: [end] };
};
