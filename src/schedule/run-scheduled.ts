import type { Clock } from '../clock/clock.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { pruneSnapshots } from '../engine/prune-snapshots.ts';
import { takeSnapshot } from '../engine/take-snapshot.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';
import { localStore } from '../store/local-store.ts';
import type { SnapshotStore } from '../store/snapshot-store.ts';
import { uploadSnapshot } from '../engine/upload-snapshot.ts';
import type { RunRecord } from './schedule-state.ts';

// What a scheduled run needs.
export interface ScheduledRunDeps {
  etcd: EtcdClient;
  clock: Clock;
  log: Logger;
  unit: string;
  // The off-unit store, when configured: every scheduled snapshot is uploaded and pruned there too.
  remote?: SnapshotStore | undefined;
}

// One scheduled run: a snapshot marked `scheduled`, then retention. Never throws; the record says how it went.
export const runScheduledSnapshot = async (deps: ScheduledRunDeps, config: AgentConfig, signal?: AbortSignal): Promise<RunRecord> => {
  const started = deps.clock.now().toISOString();
  try {
    const outcome = await takeSnapshot(
      { etcd: deps.etcd, clock: deps.clock, progress: async (m) => deps.log.info(m) },
      {
        targetDir: config.snapshotDir,
        targetOption: 'snapshot-dir',
        trigger: 'scheduled',
        unit: deps.unit,
        endpoint: config.etcdEndpoints[0] as string,
        recipients: config.encryptionRecipients,
        includePaths: config.includePaths,
        ...(signal ? { signal } : {}),
      },
    );
    deps.log.info(`scheduled snapshot ${outcome.path} written (revision ${outcome.status.revision}, ${outcome.bytes} bytes)`);
    const pruned = await pruneSnapshots(localStore(config.snapshotDir), config.snapshotRetention, { dryRun: false });
    for (const removed of pruned.removed) deps.log.info(`retention removed ${removed.name}`);
    if (deps.remote) {
      await uploadSnapshot(deps.remote, outcome, async (m) => deps.log.info(m), signal);
      const remotePruned = await pruneSnapshots(deps.remote, config.snapshotRetention, { dryRun: false });
      for (const removed of remotePruned.removed) deps.log.info(`retention removed ${removed.location}`);
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
    };
  } catch (error) {
    const message = oneLine(error);
    deps.log.error(`scheduled snapshot failed: ${message}`);
    return { started, finished: deps.clock.now().toISOString(), outcome: signal?.aborted ? 'interrupted' : 'failed', error: message };
  }
};
