import { readScheduleState } from '../state/schedule-state.ts';
import type { RestorePoint } from '../engine/restore-snapshot.ts';
import { pointTarget } from '../replay/point-target.ts';
import { REPLAY_TIMEOUT_MS } from '../replay/replay-member.ts';
import type { PointOutcome } from '../replay/replay-to-point.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionContext } from './action.ts';

// The replay a restore or verify-snapshot with to-time / to-revision asks for (undefined without either): the
// bases and segments of snapshot-dir (and of S3 when configured), the capture status the scheduler left there, the
// etcd server to replay with.
export const pointRequest = async (context: ActionContext): Promise<RestorePoint | undefined> => {
  const target = pointTarget(context.params, context.naming);
  if (!target) return undefined;
  const { config } = context;
  return {
    target,
    snapshots: context.stores.local(config.snapshotDir),
    deltas: context.stores.localDeltas(config.snapshotDir),
    capture: (await readScheduleState(config.snapshotDir)).capture,
    // With S3 configured, bases and segments only there are planned with too (a unit that lost its disk).
    remote: async () => {
      const snapshots = await context.stores.remote();
      return snapshots ? { snapshots, deltas: await context.stores.remoteDeltas() } : undefined;
    },
    binary: context.etcd.serverBinary(config.etcdPath),
    startTimeoutMs: config.restoreHealthTimeoutMs,
    requestTimeoutMs: config.etcdTimeoutMs,
    replayTimeoutMs: REPLAY_TIMEOUT_MS,
  };
};

// The <prefix>.to-revision, to-time, events-applied (and, for a restore, leases-dropped) results of a replay.
export const pointResults = (prefix: 'restore' | 'verify', point: PointOutcome): Results => ({
  [`${prefix}.to-revision`]: String(point.toRevision),
  [`${prefix}.to-time`]: point.toTime,
  [`${prefix}.events-applied`]: String(point.eventsApplied),
  [`${prefix}.leases-dropped`]: String(point.leasesDropped),
  [`${prefix}.base`]: point.base,
  [`${prefix}.base-revision`]: String(point.baseRevision),
});
