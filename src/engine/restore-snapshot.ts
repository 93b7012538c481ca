import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import type { Compression } from '../archive/compression.ts';
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
import { takeSnapshot, type SnapshotOutcome } from './take-snapshot.ts';
import { waitHealthy } from './wait-healthy.ts';
import { applyPki, planPkiRestore } from './restore-pki.ts';
import { RUN_TAG } from '../system/process-tag.ts';
import { isNoSpace, noSpaceError } from '../errors/no-space.ts';
import { requireSpace, unpackLimitIn, WAL_BYTES } from './free-space.ts';
import { removeLeftovers } from './leftovers.ts';
import { MAX_DB_BYTES, SKIP_RESTORE_HASH_CHECK } from './inspect-snapshot.ts';
import { enterPhase, newJournal, removeJournal, writeJournal, type RestoreJournal } from './restore-journal.ts';
import { checkRestored, fixCommand, rollBackRestore, type SettleDeps } from './settle-restore.ts';
import type { StartMeter } from '../progress/progress-meter.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import type { ArchiveCodecs } from '../archive/codecs.ts';
import type { PointOutcome, PointParams } from '../replay/replay-to-point.ts';
import { restoreSource } from './restore-source.ts';

// Revisions added on restore where etcdutl can, so Kubernetes watch caches see every key as new.
export const REVISION_BUMP = 1_000_000_000;

// What the restore engine needs from the outside.
export interface RestoreDeps {
  etcd: EtcdClient;
  service: ServiceManager;
  tools: HookTools;
  clock: Clock;
  progress(message: string): Promise<void>;
  // Byte progress of the safety snapshot (none when absent).
  meter?: StartMeter | undefined;
  // Starts the throwaway etcd of a restore to a point.
  runner?: Pick<CommandRunner, 'start'> | undefined;
  // What compresses the safety snapshot (the agent's own zlib and zstd when absent).
  codecs?: ArchiveCodecs | undefined;
}

// A restore to a point (to-time / to-revision): what the replay needs besides what the restore has (source names the
// base, sha256 is the base archive's, identity decrypts base and segments; the scratch is the restore's).
export type RestorePoint = PointParams;

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
  // How the safety snapshot is compressed.
  compression?: Compression | undefined;
  // age identity for an encrypted archive.
  identity?: string | undefined;
  // Write the archive's pki/ files back to the paths its manifest records.
  restorePki: boolean;
  unit: string;
  // The unit is etcd-backup's, a subordinate: the units to remove are the etcd units it runs beside.
  subordinate?: boolean;
  healthTimeoutMs: number;
  // Restore the cluster as it was at a point: the base replayed to it first, then restored like any snapshot.
  point?: RestorePoint | undefined;
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
  // What the replay to a point did, when there was one.
  point?: PointOutcome | undefined;
}

// Restores etcd from a snapshot: every check before etcd is stopped, the old data kept, rollback on any failure.
// A journal beside the data dir records each phase from before the first change until the end, so a run that dies
// midway is finished or undone by the next one (settle-restore.ts).
export const restoreSnapshot = async (deps: RestoreDeps, request: RestoreRequest): Promise<RestoreOutcome> => {
  const { etcd, service, progress } = deps;
  const units = await countUnits(deps.tools, etcd, request.subordinate === true);
  assertSingleUnit(units, request.unit);
  const parent = dirname(request.dataDir);
  if (!(await exists(parent))) throw new AgentError(`the parent of etcd-data-dir ${request.dataDir} does not exist; check etcd-data-dir`);
  for (const path of await removeLeftovers(parent)) await progress(`removed ${path}, left by a run that died`);
  const names = restoreNames(request.dataDir, deps.clock.now());
  const scratch = await mkdtemp(join(parent, `.etcd-agent-restore-${RUN_TAG}-`));
  const settle: SettleDeps = { etcd, service, clock: deps.clock, progress, healthTimeoutMs: request.healthTimeoutMs };
  let journal: RestoreJournal | undefined;
  let swapped = false;
  try {
    const { source, point } = await restoreSource(deps, request, scratch);
    await progress(`checking ${source.label}`);
    const unpacked = join(scratch, 'unpacked');
    await mkdir(unpacked, { mode: 0o700 });
    // The unpack never writes more than the data dir's filesystem can spare.
    const snapshot = await inspectSnapshot(source.path, unpacked, point ? '' : request.sha256, etcd, request.identity, await unpackLimitIn(parent, unpacked, MAX_DB_BYTES));
    const pkiPlan = request.restorePki ? planPkiRestore(point?.baseSnapshot ?? snapshot) : undefined;
    await progress(`${source.label}: ${snapshot.format}, revision ${snapshot.status.revision}, ${snapshot.status.totalKey} keys, integrity hash ${snapshot.hashCheck}`);

    let backup: SnapshotOutcome | undefined;
    let backupSkipped: string | undefined;
    if (request.skipBackup) {
      backupSkipped = 'skip-backup=true';
    } else {
      // etcd answered the member count moments ago; if it has died since, the safety snapshot fails and nothing changes.
      if (units.members !== undefined) {
        await progress(`taking a safety snapshot of the current data into ${request.backupDir}`);
        backup = await takeSnapshot({ etcd, clock: deps.clock, progress, meter: deps.meter, codecs: deps.codecs }, {
          targetDir: request.backupDir,
          targetOption: 'target',
          trigger: 'manual',
          unit: request.unit,
          endpoint: request.endpoint,
          recipients: request.recipients,
          includePaths: request.includePaths,
          compression: request.compression,
        }).catch((error: unknown) => {
          throw new AgentError(`the safety snapshot of the current data failed, nothing was changed: ${oneLine(error)}; fix it or pass skip-backup=true`, { cause: error });
        });
      } else {
        backupSkipped = `etcd did not answer, so no safety snapshot was taken; the current data directory is kept as ${names.previous}`;
      }
    }

    const tool = await etcd.restoreTool();
    const bump = request.bumpRevision && tool.bumpRevision ? REVISION_BUMP : 0;
    const revisionBump = bump ? String(bump) : request.bumpRevision ? `not supported by ${tool.tool}` : 'off';
    const dbBytes = (await stat(snapshot.dbPath)).size;
    await requireSpace(parent, dbBytes + WAL_BYTES, `restoring the ${dbBytes}-byte db into ${names.fresh}`, 'free space on the data dir\'s filesystem and try again');
    const hadData = await exists(request.dataDir);
    journal = newJournal({
      started: deps.clock.now().toISOString(),
      source: source.url ?? source.path,
      dataDir: request.dataDir,
      fresh: names.fresh,
      previous: names.previous,
      failed: names.failed,
      hadData,
      service: request.serviceName,
      expectedRevision: snapshot.status.revision + bump,
      ...(snapshot.manifest?.keyCount === undefined ? {} : { expectedKeys: snapshot.manifest.keyCount }),
      pki: [],
    });
    await writeJournal(journal, deps.clock.now());
    await progress(`restoring into ${names.fresh} with ${tool.tool}`);
    await etcd.restore(snapshot.dbPath, {
      dataDir: names.fresh,
      name: request.memberName,
      peerUrl: request.peerUrl,
      clusterToken: `etcd-restore-${randomUUID()}`,
      skipHashCheck: SKIP_RESTORE_HASH_CHECK,
      bumpRevision: bump,
    });
    await matchOwnership(names.fresh, hadData ? request.dataDir : undefined);

    await enterPhase(journal, 'stopping', deps.clock.now());
    await progress(`stopping ${request.serviceName}`);
    await service.stop(request.serviceName);
    if (await service.isActive(request.serviceName)) {
      throw new AgentError(`${request.serviceName} is still active after systemctl stop; nothing was changed`);
    }
    await enterPhase(journal, 'swapping', deps.clock.now());
    swapped = true;
    try {
      if (hadData) await move(request.dataDir, names.previous);
      await move(names.fresh, request.dataDir);
      if (pkiPlan) {
        await progress(`writing ${pkiPlan.files.length} pki file(s) back: ${pkiPlan.files.map((f) => f.to).join(', ')}`);
        journal.pki = pkiPlan.files.map((f) => ({ to: f.to, kept: undefined }));
        await applyPki(pkiPlan, names.stamp, async (done) => {
          (journal as RestoreJournal).pki = done;
          await writeJournal(journal as RestoreJournal, deps.clock.now());
        });
      }
      await enterPhase(journal, 'swapped', deps.clock.now());
      await progress(`starting ${request.serviceName} on the restored data`);
      await service.start(request.serviceName);
      const cluster = await waitHealthy(etcd, deps.clock, request.healthTimeoutMs);
      await checkRestored(settle, journal, cluster.revision);
      await removeJournal(request.dataDir);
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
        point,
      };
    } catch (error) {
      throw await rollBack(settle, journal, error);
    }
  } catch (error) {
    const failure = isNoSpace(error) && !(error instanceof AgentError) ? noSpaceError(parent, names.fresh, error) : error;
    const notRestarted = journal && !swapped ? await undoBeforeSwap(settle, journal) : undefined;
    if (notRestarted) throw new AgentError(`${oneLine(failure)}; and etcd could not be started again (${notRestarted}): run systemctl start ${request.serviceName}`, { cause: failure });
    throw failure;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};

// Before the swap the data is untouched: the fresh dir goes, etcd is started again if the restore had stopped it,
// and the journal is removed. Returns why etcd could not be started again, if it could not.
const undoBeforeSwap = async (deps: SettleDeps, journal: RestoreJournal): Promise<string | undefined> => {
  await rm(journal.fresh, { recursive: true, force: true });
  let notStarted: string | undefined;
  if (journal.phase === 'stopping' && !(await deps.service.isActive(journal.service).catch(() => false))) {
    notStarted = await deps.service.start(journal.service).then(() => undefined, (error: unknown) => oneLine(error));
  }
  await removeJournal(journal.dataDir).catch(() => undefined);
  return notStarted;
};

// Where the previous data is now, as the disk says: still at its kept name, or already back in place.
const whereThePreviousDataIs = async (journal: RestoreJournal): Promise<string> => {
  if (!journal.hadData) return 'there was no previous data';
  return (await exists(journal.previous)) ? `the previous data is at ${journal.previous}` : `the previous data is back in ${journal.dataDir}`;
};

// Puts the previous data back, starts etcd on it, and explains what happened; the journal stays if that fails too.
const rollBack = async (deps: SettleDeps, journal: RestoreJournal, cause: unknown): Promise<AgentError> => {
  const reason = oneLine(cause);
  await deps.progress(`restore failed (${reason}); putting the previous data back`);
  try {
    await rollBackRestore(deps, journal, reason);
  } catch (rollbackError) {
    return new AgentError(
      `restore failed: ${reason}; ROLLBACK FAILED too: ${oneLine(rollbackError)}; ${await whereThePreviousDataIs(journal)}: run ${await fixCommand(journal)}`,
      { cause: new AggregateError([cause, rollbackError], 'the restore and its rollback failed') },
    );
  }
  return new AgentError(`restore failed: ${reason}; previous data restored and etcd started again (the failed attempt is kept at ${journal.failed})`, { cause });
};
