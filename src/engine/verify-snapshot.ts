import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { RUN_TAG } from '../system/process-tag.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openGateway } from '../etcd/etcd-gateway.ts';
import { countKeysOverGateway, readClusterInfoOverGateway, withGateway } from '../etcd/gateway-cluster-info.ts';
import type { Clock } from '../clock/clock.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import type { SnapshotStore } from '../store/snapshot-store.ts';
import { inspectSnapshot, MAX_DB_BYTES, SKIP_RESTORE_HASH_CHECK, type InspectedSnapshot } from './inspect-snapshot.ts';
import { requireSpace, unpackLimitIn, WAL_BYTES } from './free-space.ts';
import { launchThrowawayEtcd, type ThrowawayEtcd } from './throwaway-etcd.ts';
import { resolveVerifySource } from './verify-source.ts';
import { removeLeftovers } from './leftovers.ts';
import { replayToPoint, type PointOutcome, type PointParams } from '../replay/replay-to-point.ts';

// Prefix of verify's private scratch directories (under os.tmpdir() unless told otherwise).
export const VERIFY_SCRATCH_PREFIX = `.etcd-agent-verify-${RUN_TAG}-`;

// What verify needs: snapshot status/restore (etcdctl/etcdutl), a way to start etcd, the clock its waits go by, progress lines.
export interface VerifyDeps {
  etcd: EtcdClient;
  runner: Pick<CommandRunner, 'start'>;
  clock: Clock;
  progress(message: string): Promise<void>;
}

// Which snapshot to verify, and with what.
export interface VerifyRequest {
  // '' = the newest snapshot in snapshotDir; else a path, a name list-snapshots shows, or an s3:// URL.
  source: string;
  snapshotDir: string;
  // The message when there is no source and snapshotDir is empty, in this surface's words.
  hint?: string | undefined;
  // The store over snapshotDir.
  local: SnapshotStore;
  remote?: (() => Promise<SnapshotStore | undefined>) | undefined;
  // The age identity that decrypts an encrypted archive, asked for only once the source is found.
  identity?: (() => Promise<string | undefined>) | undefined;
  // The etcd-path option ('' = the snap's etcd, else PATH).
  etcdPath: string;
  // Where the scratch directory goes; os.tmpdir() by default.
  scratchParent?: string | undefined;
  startTimeoutMs: number;
  requestTimeoutMs: number;
  // A drill of a restore to a point: source names the base ('' = the newest at or before the target), the base is
  // replayed to the target in a throwaway etcd, and the db that makes is verified like any snapshot.
  point?: PointParams | undefined;
}

// The verdict, and every fact learnt on the way (undefined when verification stopped before it).
export interface VerifyOutcome {
  ok: boolean;
  // Why it failed, on one line.
  reason: string | undefined;
  error: unknown;
  source: string | undefined;
  label: string | undefined;
  sha256: string | undefined;
  format: InspectedSnapshot['format'] | undefined;
  hashCheck: InspectedSnapshot['hashCheck'] | undefined;
  encrypted: boolean | undefined;
  // From `snapshot status` of the db (equal to the manifest's when there is one).
  revision: number | undefined;
  totalKeys: number | undefined;
  // What the throwaway etcd served.
  liveRevision: number | undefined;
  keyCount: number | undefined;
  // The manifest's live key count, when it recorded one.
  expectedKeyCount: number | undefined;
  // Wall time, cleanup included.
  seconds: number;
  // What the replay to a point did, when there was one.
  point?: PointOutcome | undefined;
}

// Restore plus WAL preallocation (64 MiB), beside the unpacked db.
const roomFor = async (dir: string, dbPath: string): Promise<void> =>
  requireSpace(dir, (await stat(dbPath)).size + WAL_BYTES, 'restoring the snapshot into a throwaway etcd', 'free some space there or set TMPDIR');

// Reads the throwaway etcd back and checks it against the snapshot; throws the first disagreement.
const readBack = async (outcome: VerifyOutcome, member: ThrowawayEtcd, snapshot: InspectedSnapshot, timeoutMs: number): Promise<void> => {
  const expected = snapshot.status.revision;
  const what = snapshot.manifest ? 'the manifest records' : 'snapshot status reports';
  // Over etcd's JSON gateway: the throwaway member is plain http on loopback, and no gRPC client needs loading.
  await withGateway(() => openGateway(member.endpoint, { timeoutMs, maxAnswerBytes: 1024 ** 2 }), async (client) => {
    outcome.liveRevision = (await readClusterInfoOverGateway(client)).revision;
    if (outcome.liveRevision !== expected) throw new AgentError(`the restored snapshot came up at revision ${outcome.liveRevision}, ${what} ${expected}; this snapshot is not restorable as it is`);
    outcome.keyCount = await countKeysOverGateway(client, expected);
  });
  const live = outcome.keyCount ?? 0;
  if (outcome.expectedKeyCount !== undefined && live !== outcome.expectedKeyCount) {
    throw new AgentError(`the restored snapshot holds ${live} keys at revision ${expected}, the manifest records ${outcome.expectedKeyCount}; this snapshot is damaged or altered`);
  }
  if (live > snapshot.status.totalKey) throw new AgentError(`the restored snapshot serves ${live} keys, more than the ${snapshot.status.totalKey} snapshot status counts; this snapshot is damaged`);
};

// Proves a snapshot restorable without touching the running member: every archive check, a restore
// into private scratch, a throwaway etcd on loopback, revision and key count read back and compared.
// Never throws: a failure is an outcome with ok=false and the reason. Scratch and etcd are always cleaned up.
export const verifySnapshot = async (deps: VerifyDeps, request: VerifyRequest): Promise<VerifyOutcome> => {
  const started = performance.now();
  const outcome: VerifyOutcome = {
    ok: false, reason: undefined, error: undefined, source: undefined, label: undefined, sha256: undefined, format: undefined, hashCheck: undefined, encrypted: undefined,
    revision: undefined, totalKeys: undefined, liveRevision: undefined, keyCount: undefined, expectedKeyCount: undefined, seconds: 0,
  };
  let scratch: string | undefined;
  let member: ThrowawayEtcd | undefined;
  try {
    const binary = deps.etcd.serverBinary(request.etcdPath);
    const scratchParent = request.scratchParent ?? tmpdir();
    for (const path of await removeLeftovers(scratchParent)) await deps.progress(`removed ${path}, left by a run that died`);
    scratch = await mkdtemp(join(scratchParent, VERIFY_SCRATCH_PREFIX));
    let source: { path: string; label: string; url?: string };
    if (request.point) {
      const work = join(scratch, 'point');
      await mkdir(work, { mode: 0o700 });
      const identity = await request.identity?.();
      const point = await replayToPoint(deps, {
        ...request.point, source: request.source, sha256: '', scratch: work, ...(identity === undefined ? {} : { identity }),
        unpackLimit: request.point.unpackLimit ?? await unpackLimitIn(scratch, work, MAX_DB_BYTES),
      });
      outcome.point = point;
      source = { path: point.dbPath, label: `${point.base} replayed to revision ${point.toRevision}`, url: point.basePath };
    } else {
      source = await resolveVerifySource(request.source, { snapshotDir: request.snapshotDir, hint: request.hint, local: request.local, remote: request.remote, downloadDir: join(scratch, 'download') });
    }
    outcome.source = source.url ?? source.path;
    outcome.label = source.label;
    await deps.progress(`checking ${source.label}`);
    const unpacked = join(scratch, 'unpacked');
    await mkdir(unpacked, { mode: 0o700 });
    const snapshot = await inspectSnapshot(source.path, unpacked, '', deps.etcd, await request.identity?.(), await unpackLimitIn(scratch, unpacked, MAX_DB_BYTES));
    const archive = outcome.point?.baseSnapshot ?? snapshot;
    Object.assign(outcome, {
      sha256: archive.sha256, format: archive.format, hashCheck: snapshot.hashCheck, encrypted: archive.encrypted,
      revision: snapshot.status.revision, totalKeys: snapshot.status.totalKey, expectedKeyCount: snapshot.manifest?.keyCount,
    } satisfies Partial<VerifyOutcome>);
    await roomFor(scratch, snapshot.dbPath);
    await deps.progress(`restoring ${source.label} (revision ${snapshot.status.revision}) into ${scratch} and starting a throwaway etcd on loopback`);
    member = await launchThrowawayEtcd(deps, {
      binary, db: snapshot.dbPath, skipHashCheck: SKIP_RESTORE_HASH_CHECK, scratch, startTimeoutMs: request.startTimeoutMs,
    });
    await deps.progress(`throwaway etcd answering on ${member.endpoint}; reading it back`);
    await readBack(outcome, member, snapshot, request.requestTimeoutMs);
    outcome.ok = true;
  } catch (error) {
    Object.assign(outcome, { ok: false, error, reason: oneLine(error) } satisfies Partial<VerifyOutcome>);
  } finally {
    await member?.stop().catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true, maxRetries: 3 }).catch((error: unknown) => deps.progress(`could not remove ${scratch}: ${oneLine(error)}`));
    outcome.seconds = Math.round((performance.now() - started) / 100) / 10;
  }
  return outcome;
};
