import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeltaEvent } from '../delta/delta-types.ts';
import { readSegment } from '../delta/segment-reader.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError } from '../errors/agent-error.ts';
import { enableOptimizingCompilers } from '../process/optimizing-compilers.ts';
import type { UnpackLimit } from '../archive/unpack-tar.ts';
import { inspectSnapshot, SKIP_RESTORE_HASH_CHECK, type InspectedSnapshot } from '../engine/inspect-snapshot.ts';
import { requireSpace, WAL_BYTES } from '../engine/free-space.ts';
import { checkSegments, type CheckedSegment } from './check-segments.ts';
import { loadPlan, type PointSources } from './load-plan.ts';
import { pointFiles } from './point-files.ts';
import { describeTarget, type PointTarget } from './point-target.ts';
import { replayIntoMember, type ReplayMemberDeps } from './replay-member.ts';

// What a replay to a point needs: snapshot status/restore/save, a way to start etcd, the clock, progress lines.
export interface PointDeps extends ReplayMemberDeps {
  etcd: Pick<EtcdClient, 'restore' | 'saveFrom' | 'status'>;
}

// Where to replay to, from what, and where to work.
export interface PointRequest extends PointSources {
  target: PointTarget;
  // '' = the newest base at or before the target; else the name (or path in the snapshot dir) of the base to use.
  source: string;
  // Expected SHA-256 of the base archive ('' = none).
  sha256: string;
  // A private directory; the base is unpacked and the throwaway member runs under it.
  scratch: string;
  binary: string;
  startTimeoutMs: number;
  requestTimeoutMs: number;
  replayTimeoutMs: number;
  unpackLimit?: UnpackLimit | undefined;
}

// What a restore or verify asks of a replay besides its own source, sha256, identity and scratch.
export type PointParams = Omit<PointRequest, 'source' | 'sha256' | 'scratch' | 'identity'>;

// The db of the replayed member, and what it holds.
export interface PointOutcome {
  dbPath: string;
  // The base archive: its name, where it is kept (its path in snapshot-dir, or its s3:// URL) and what inspecting it found.
  base: string;
  basePath: string;
  baseSnapshot: InspectedSnapshot;
  baseRevision: number;
  // The revision the db is at, and the time of its last applied event (the base's created time when none was).
  toRevision: number;
  toTime: string;
  eventsApplied: number;
  revisionsApplied: number;
  leasesDropped: number;
  segments: number;
}

// Thrown by the event source to stop reading once the target is passed.
const STOP = Symbol('replay target passed');

// Streams the events of the checked segments in order into push, one at a time, until push says the target is passed.
const eventsOf = (segments: readonly CheckedSegment[], identity: string | undefined) => async (push: (event: DeltaEvent) => Promise<boolean>): Promise<void> => {
  for (const { path } of segments) {
    const controller = new AbortController();
    let passed = false;
    try {
      await readSegment(path, async (event) => {
        if (passed) return;
        if (!(await push(event))) {
          passed = true;
          controller.abort(STOP);
        }
      }, { ...(identity ? { identity } : {}), signal: controller.signal });
    } catch (error) {
      if (!passed) throw error;
    }
    if (passed) return;
  }
};

// Restores the cluster as it was at a point: plans the replay (newest base at or before the target, or the one
// named), checks the base and every segment it needs before anything starts, then replays the events into a
// throwaway etcd on loopback and saves it to a db under scratch. Every refusal comes before the throwaway starts.
export const replayToPoint = async (deps: PointDeps, request: PointRequest): Promise<PointOutcome> => {
  const { target } = request;
  const files = await pointFiles(request, request.remote, join(request.scratch, 'off-unit'));
  const loaded = await loadPlan(request, files, target, request.source);
  await deps.progress(`${describeTarget(target)}: replaying from ${loaded.plan.chain.base.name} (revision ${loaded.plan.chain.base.revision}); checking it and ${loaded.plan.segments.length} segment(s)`);
  const listed = await files.deltas.listSegments();
  const { plan, segments } = await checkSegments(loaded, {
    pathOf: (name) => files.deltas.pathOf(name), listed, identity: request.identity, capture: request.capture,
  });
  const base = plan.chain.base;
  const { path: basePath, location: baseLocation } = await files.base(base.name);
  const unpacked = join(request.scratch, 'base');
  await mkdir(unpacked, { mode: 0o700 });
  const baseSnapshot = await inspectSnapshot(basePath, unpacked, request.sha256, deps.etcd as EtcdClient, request.identity, request.unpackLimit);
  if (baseSnapshot.status.revision !== base.revision || baseSnapshot.manifest?.clusterId !== base.clusterId) {
    throw new AgentError(`refusing ${basePath}: it is at revision ${baseSnapshot.status.revision} of cluster ${baseSnapshot.manifest?.clusterId ?? 'unknown'}, its listing said revision ${base.revision} of cluster ${base.clusterId ?? 'unknown'}; it changed meanwhile`);
  }
  await deps.progress(`${base.name} and ${segments.length} segment(s) checked (revisions ${base.revision + 1} to ${segments.at(-1)?.segment.lastRevision ?? base.revision}); restoring the base into a throwaway etcd`);
  // The throwaway member's data (the base's db, a WAL) and the replayed db it is saved to, at least the base's size.
  const dbBytes = (await stat(baseSnapshot.dbPath)).size;
  await requireSpace(request.scratch, 2 * dbBytes + WAL_BYTES, `replaying ${base.name} (a ${dbBytes}-byte db) in a throwaway etcd`, 'free space there and try again');
  const member = join(request.scratch, 'replay');
  await mkdir(member, { mode: 0o700 });
  enableOptimizingCompilers();
  const replayed = await replayIntoMember(deps, {
    binary: request.binary, db: baseSnapshot.dbPath, skipHashCheck: SKIP_RESTORE_HASH_CHECK, baseRevision: base.revision, target,
    events: eventsOf(segments, request.identity), scratch: member, saveTo: join(request.scratch, 'replayed.db'),
    startTimeoutMs: request.startTimeoutMs, requestTimeoutMs: request.requestTimeoutMs, replayTimeoutMs: request.replayTimeoutMs,
  });
  // The base's db is not needed any more (the restore after this has the space); its pki/ files stay for restore-pki.
  await rm(baseSnapshot.dbPath, { force: true });
  if (target.kind === 'revision' && replayed.revision !== target.revision) {
    throw new AgentError(`the replay reached revision ${replayed.revision}, not ${target.revision}: the segments end early although their names cover it; nothing was restored`);
  }
  return {
    dbPath: replayed.dbPath,
    base: base.name,
    basePath: baseLocation,
    baseSnapshot,
    baseRevision: base.revision,
    toRevision: replayed.revision,
    toTime: replayed.time ?? new Date(base.created).toISOString(),
    eventsApplied: replayed.eventsApplied,
    revisionsApplied: replayed.revisionsApplied,
    leasesDropped: replayed.leasesDropped,
    segments: segments.length,
  };
};
