import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Clock } from '../clock/clock.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import type { SnapshotStore } from '../store/snapshot-store.ts';
import type { ServiceManager } from '../system/service-manager.ts';
import { assertSingleUnit, countUnits } from './count-units.ts';
import { exists, matchOwnership, move, restoreNames } from './data-dir.ts';
import { inspectSnapshot, type InspectedSnapshot } from './inspect-snapshot.ts';
import { resolveSource } from './resolve-source.ts';
import { takeSnapshot, type SnapshotOutcome } from './take-snapshot.ts';
import { waitHealthy } from './wait-healthy.ts';
import { applyPki, planPkiRestore } from './restore-pki.ts';

// Revisions added on restore where etcdutl can, so Kubernetes watch caches see every key as new.
export const REVISION_BUMP = 1_000_000_000;

// What the restore engine needs from the outside.
export interface RestoreDeps {
  etcd: EtcdClient;
  service: ServiceManager;
  tools: HookTools;
  clock: Clock;
  progress(message: string): Promise<void>;
}

// What to restore, and how.
export interface RestoreRequest {
  source: string;
  sha256: string;
  backupDir: string;
  skipBackup: boolean;
  bumpRevision: boolean;
  searchDirs: string[];
  // The off-unit store, when configured: s3:// sources and names found only there are downloaded.
  remote?: SnapshotStore | undefined;
  dataDir: string;
  serviceName: string;
  memberName: string;
  peerUrl: string;
  endpoint: string;
  // For the safety snapshot: encrypted and bundled like every other archive.
  recipients: string[];
  includePaths: string[];
  // age identity for an encrypted archive.
  identity?: string | undefined;
  // Write the archive's pki/ files back to the paths its manifest records.
  restorePki: boolean;
  unit: string;
  healthTimeoutMs: number;
}

// What a completed restore did.
export interface RestoreOutcome {
  label: string;
  path: string;
  snapshot: InspectedSnapshot;
  backup: SnapshotOutcome | undefined;
  backupSkipped: string | undefined;
  dataDir: string;
  previousDataDir: string | undefined;
  // Paths the archive's pki/ files were written to (restore-pki=true).
  pkiRestored: string[];
  revision: number;
  revisionBump: string;
}

// Restores etcd from a snapshot: every check before etcd is stopped, the old data kept, rollback on any failure.
export const restoreSnapshot = async (deps: RestoreDeps, request: RestoreRequest): Promise<RestoreOutcome> => {
  const { etcd, service, progress } = deps;
  const units = await countUnits(deps.tools, etcd);
  assertSingleUnit(units, request.unit);
  const parent = dirname(request.dataDir);
  if (!(await exists(parent))) throw new AgentError(`the parent of etcd-data-dir ${request.dataDir} does not exist; check etcd-data-dir`);
  const names = restoreNames(request.dataDir, deps.clock.now());
  const scratch = await mkdtemp(join(parent, '.etcd-agent-restore-'));
  let stopped = false;
  let swapped = false;
  try {
    const source = await resolveSource(request.source, deps.tools, {
      searchDirs: request.searchDirs,
      remote: request.remote,
      downloadDir: join(scratch, 'download'),
    });
    await progress(`checking ${source.label}`);
    const unpacked = join(scratch, 'unpacked');
    await mkdir(unpacked, { mode: 0o700 });
    const snapshot = await inspectSnapshot(source.path, unpacked, request.sha256, etcd, request.identity);
    const pkiPlan = request.restorePki ? planPkiRestore(snapshot) : undefined;
    await progress(`${source.label}: ${snapshot.format}, revision ${snapshot.status.revision}, ${snapshot.status.totalKey} keys, integrity hash ${snapshot.hashCheck}`);

    let backup: SnapshotOutcome | undefined;
    let backupSkipped: string | undefined;
    if (request.skipBackup) {
      backupSkipped = 'skip-backup=true';
    } else {
      // etcd answered the member count moments ago; if it has died since, the safety snapshot fails and nothing changes.
      if (units.members !== undefined) {
        await progress(`taking a safety snapshot of the current data into ${request.backupDir}`);
        backup = await takeSnapshot({ etcd, clock: deps.clock, progress }, {
          targetDir: request.backupDir,
          targetOption: 'target',
          trigger: 'manual',
          unit: request.unit,
          endpoint: request.endpoint,
          recipients: request.recipients,
          includePaths: request.includePaths,
        }).catch((error: unknown) => {
          throw new AgentError(`the safety snapshot of the current data failed, nothing was changed: ${oneLine(error)}; fix it or pass skip-backup=true`);
        });
      } else {
        backupSkipped = `etcd did not answer, so no safety snapshot was taken; the current data directory is kept as ${names.previous}`;
      }
    }

    const tool = await etcd.restoreTool();
    const bump = request.bumpRevision && tool.bumpRevision ? REVISION_BUMP : 0;
    const revisionBump = bump ? String(bump) : request.bumpRevision ? `not supported by ${tool.tool}` : 'off';
    await progress(`restoring into ${names.fresh} with ${tool.tool}`);
    await etcd.restore(snapshot.dbPath, {
      dataDir: names.fresh,
      name: request.memberName,
      peerUrl: request.peerUrl,
      clusterToken: `etcd-restore-${randomUUID()}`,
      skipHashCheck: snapshot.hashCheck === 'skipped',
      bumpRevision: bump,
    });
    const hadData = await exists(request.dataDir);
    await matchOwnership(names.fresh, hadData ? request.dataDir : undefined);

    await progress(`stopping ${request.serviceName}`);
    stopped = true;
    await service.stop(request.serviceName);
    if (await service.isActive(request.serviceName)) {
      throw new AgentError(`${request.serviceName} is still active after systemctl stop; nothing was changed`);
    }
    swapped = true;
    let undoPki: (() => Promise<void>) | undefined;
    try {
      if (hadData) await move(request.dataDir, names.previous);
      await move(names.fresh, request.dataDir);
      if (pkiPlan) {
        await progress(`writing ${pkiPlan.files.length} pki file(s) back: ${pkiPlan.files.map((f) => f.to).join(', ')}`);
        undoPki = await applyPki(pkiPlan, names.stamp);
      }
      await progress(`starting ${request.serviceName} on the restored data`);
      await service.start(request.serviceName);
      const cluster = await waitHealthy(etcd, request.healthTimeoutMs);
      const expectedRevision = snapshot.status.revision + bump;
      if (cluster.revision < expectedRevision) {
        throw new AgentError(`etcd came up at revision ${cluster.revision}, below the snapshot's ${expectedRevision}`);
      }
      const expectedKeys = snapshot.manifest?.keyCount;
      if (expectedKeys !== undefined) {
        const live = await etcd.keyCount(expectedRevision);
        if (live !== expectedKeys) throw new AgentError(`etcd holds ${live} keys at revision ${expectedRevision}, the snapshot had ${expectedKeys}`);
      }
      return {
        label: source.label,
        path: source.url ?? source.path,
        snapshot,
        backup,
        backupSkipped,
        dataDir: request.dataDir,
        previousDataDir: hadData ? names.previous : undefined,
        pkiRestored: pkiPlan?.files.map((f) => f.to) ?? [],
        revision: cluster.revision,
        revisionBump,
      };
    } catch (error) {
      if (undoPki) await undoPki().catch(() => undefined);
      throw await rollBack(deps, request, names, hadData, error);
    }
  } catch (error) {
    if (stopped && !swapped) await ensureRunning(deps, request).catch(() => undefined);
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
    if (!swapped) await rm(names.fresh, { recursive: true, force: true });
  }
};

// Before the swap etcd must be left running whatever failed.
const ensureRunning = async (deps: RestoreDeps, request: RestoreRequest): Promise<void> => {
  if (!(await deps.service.isActive(request.serviceName))) await deps.service.start(request.serviceName);
};

// Puts the previous data back, starts etcd on it, and explains what happened.
const rollBack = async (
  deps: RestoreDeps,
  request: RestoreRequest,
  names: ReturnType<typeof restoreNames>,
  hadData: boolean,
  cause: unknown,
): Promise<AgentError> => {
  const reason = oneLine(cause);
  await deps.progress(`restore failed (${reason}); putting the previous data back`);
  try {
    await deps.service.stop(request.serviceName).catch(() => undefined);
    if (await exists(request.dataDir)) await move(request.dataDir, names.failed);
    if (hadData) await move(names.previous, request.dataDir);
    await deps.service.start(request.serviceName);
    await waitHealthy(deps.etcd, request.healthTimeoutMs);
  } catch (rollbackError) {
    return new AgentError(
      `restore failed: ${reason}; ROLLBACK FAILED too: ${oneLine(rollbackError)}; the previous data is at ${hadData ? names.previous : '(none)'}: move it back to ${request.dataDir} and run systemctl start ${request.serviceName}`,
    );
  }
  return new AgentError(`restore failed: ${reason}; previous data restored and etcd started again (the failed attempt is kept at ${names.failed})`);
};
