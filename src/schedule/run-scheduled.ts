import { governBuffers } from '../system/buffer-governor.ts';
import type { Clock } from '../clock/clock.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { pruneSnapshots } from '../engine/prune-snapshots.ts';
import type { ChainRemoval } from '../policy/chain-retention.ts';
import type { StoredSegment } from '../store/delta-store.ts';
import { keysInClearWarning, takeSnapshot } from '../engine/take-snapshot.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';
import type { Stores } from '../store/stores.ts';
import { uploadSnapshot } from '../engine/upload-snapshot.ts';
import { progressMeters } from '../progress/progress-meter.ts';
import { progressLine } from '../progress/progress-line.ts';
import type { RunRecord } from '../state/schedule-state.ts';
import type { ServiceManager } from '../system/service-manager.ts';
import { describeHolder, LockBusyError, type UnitLock } from '../system/unit-lock.ts';
import { heldByRestore, unitGuard, withUnitLock, type GuardDeps } from '../engine/unit-guard.ts';
import type { ArchiveCodecs } from '../archive/codecs.ts';

// What a scheduled run needs.
export interface ScheduledRunDeps {
  etcd: EtcdClient;
  clock: Clock;
  log: Logger;
  unit: string;
  lock: UnitLock;
  service: ServiceManager;
  // The unit's stores: retention in snapshot-dir, and, when configured, the off-unit store every scheduled snapshot is
  // uploaded to and pruned in too.
  stores: Stores;
  // What compresses snapshots (the agent's own zlib and zstd when absent).
  codecs?: ArchiveCodecs | undefined;
}

// The unit guard of a scheduled run (its progress goes to the log).
export const scheduledGuard = (deps: ScheduledRunDeps, config: AgentConfig): GuardDeps =>
  unitGuard(config, { lock: deps.lock, etcd: deps.etcd, service: deps.service, clock: deps.clock, progress: async (m) => deps.log.info(m) });

// Runs scheduled work under the unit's lock: it waits up to lockWaitMs for other runs, but skips at once when a
// restore holds the lock. Resolves to the work's result, or to the reason it was skipped.
export const underScheduledLock = async <T>(deps: ScheduledRunDeps, config: AgentConfig, what: string, lockWaitMs: number, work: () => Promise<T>): Promise<T | { skipped: string }> => {
  try {
    return await withUnitLock(scheduledGuard(deps, config), what, { waitMs: lockWaitMs, onBusy: heldByRestore }, work);
  } catch (error) {
    if (!(error instanceof LockBusyError)) throw error;
    const reason = `${describeHolder(error.holder)} held the unit lock`;
    deps.log.warn(`${what} skipped: ${reason}`);
    return { skipped: reason };
  }
};

// How a scheduled run is told apart from a skipped one.
export const wasSkipped = (value: unknown): value is { skipped: string } => typeof value === 'object' && value !== null && 'skipped' in value;

// One scheduled run under the unit's lock: a snapshot marked `scheduled`, then retention. Never throws; the record
// says how it went (skipped when a restore, or for lockWaitMs another run, held the lock).
export const runScheduledSnapshot = (deps: ScheduledRunDeps, config: AgentConfig, options: { signal?: AbortSignal; lockWaitMs?: number } = {}): Promise<RunRecord> =>
  governBuffers(() => scheduledSnapshot(deps, config, options));

// What an interrupted run says.
const INTERRUPTED = 'the snapshot was interrupted (the scheduler is stopping); nothing was kept';

const scheduledSnapshot = async (deps: ScheduledRunDeps, config: AgentConfig, options: { signal?: AbortSignal; lockWaitMs?: number }): Promise<RunRecord> => {
  const started = deps.clock.now().toISOString();
  const { signal } = options;
  // How far the run got with its upload, so a failure there is counted as an upload failure.
  const stage: UploadStage = {};
  try {
    const done = await underScheduledLock(deps, config, 'scheduled snapshot', options.lockWaitMs ?? config.lockTimeoutMs, () => snapshotAndPrune(deps, config, started, signal, stage));
    return wasSkipped(done) ? { started, finished: deps.clock.now().toISOString(), outcome: 'skipped', reason: done.skipped } : done;
  } catch (error) {
    const aborted = signal?.aborted === true;
    // A run cut short because the scheduler is stopping did not fail: it is recorded, and logged, as interrupted,
    // in one wording whichever step the stop reached (etcdctl's save, the archive, the upload).
    const message = aborted ? INTERRUPTED : oneLine(error);
    if (aborted) deps.log.warn(`scheduled snapshot interrupted: ${message}`);
    else deps.log.error(`scheduled snapshot failed: ${message}`);
    return { started, finished: deps.clock.now().toISOString(), outcome: aborted ? 'interrupted' : 'failed', error: message, ...uploadOutcome(stage, aborted) };
  }
};

// How far a run's upload got.
interface UploadStage {
  upload?: 'started' | 'ok';
}

// What a run that threw records about its upload: failed when it threw while uploading (not when it was stopped).
const uploadOutcome = (stage: UploadStage, aborted: boolean): Pick<RunRecord, 'upload'> =>
  stage.upload === 'ok' ? { upload: 'ok' } : stage.upload === 'started' && !aborted ? { upload: 'failed' } : {};

// The snapshot and retention of one scheduled run.
const snapshotAndPrune = async (deps: ScheduledRunDeps, config: AgentConfig, started: string, signal: AbortSignal | undefined, stage: UploadStage): Promise<RunRecord> => {
  // Byte progress of a scheduled run goes to its log, a line per report.
  const meter = progressMeters(async (update) => deps.log.info(progressLine(update)), deps.clock);
  const outcome = await takeSnapshot(
    { etcd: deps.etcd, clock: deps.clock, progress: async (m) => deps.log.info(m), meter, codecs: deps.codecs },
    {
      targetDir: config.snapshotDir,
      targetOption: 'snapshot-dir',
      trigger: 'scheduled',
      unit: deps.unit,
      endpoint: config.etcdEndpoints[0] as string,
      recipients: config.encryptionRecipients,
      includePaths: config.includePaths,
      pkiKeysOmitted: config.pkiKeysOmitted,
      compression: config.snapshotCompression,
      ...(signal ? { signal } : {}),
    },
  );
  if (outcome.keysInClear.length > 0) deps.log.warn(keysInClearWarning(outcome.keysInClear));
  deps.log.info(`scheduled snapshot ${outcome.path} written (revision ${outcome.status.revision}, ${outcome.bytes} bytes)`);
  // A chain goes only with its base: each removed base's delta segments, and orphans older than the oldest kept base.
  const chainLog = (where: string) => (chain: ChainRemoval<StoredSegment>) =>
    deps.log.info(`retention removed ${chain.segments.length} delta segment(s) of ${chain.base ?? `stamp ${chain.stamp} (its base is gone)`}${where}`);
  const pruned = await pruneSnapshots(deps.stores.local(config.snapshotDir), config.snapshotRetention, { dryRun: false, deltas: deps.stores.localDeltas(config.snapshotDir), onRemoveChain: chainLog('') });
  const remote = await deps.stores.remote();
  for (const removed of pruned.removed) deps.log.info(`retention removed ${removed.name}`);
  let remoteKept: number | undefined;
  if (remote) {
    stage.upload = 'started';
    await uploadSnapshot(remote, outcome, { progress: async (m) => deps.log.info(m), meter, allowUnencrypted: config.s3?.allowUnencrypted === true, signal });
    stage.upload = 'ok';
    const remotePruned = await pruneSnapshots(remote, config.snapshotRetention, { dryRun: false, deltas: await deps.stores.remoteDeltas(), onRemoveChain: chainLog(` from ${remote.location}`) });
    for (const removed of remotePruned.removed) deps.log.info(`retention removed ${removed.location}`);
    remoteKept = remotePruned.kept.length;
  }
  return {
    started,
    finished: deps.clock.now().toISOString(),
    outcome: 'ok',
    archive: outcome.path,
    revision: outcome.status.revision,
    bytes: outcome.bytes,
    diskBytes: outcome.diskBytes,
    removed: pruned.removed.map((r) => r.name),
    ...(remoteKept === undefined ? {} : { upload: 'ok' as const, remoteKept }),
  };
};
