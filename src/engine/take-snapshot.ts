import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock/clock.ts';
import type { EtcdClient, SnapshotStatus } from '../etcd/etcd-client.ts';
import { AgentError } from '../errors/agent-error.ts';
import { checkDbIntegrity } from '../archive/db-integrity.ts';
import { DB_NAME, MANIFEST_NAME, type Manifest } from '../archive/manifest.ts';
import { snapshotName } from '../archive/snapshot-name.ts';
import { writeArchive, writeChecksumFile, writeManifestSidecar } from '../archive/write-archive.ts';
import { encryptStream } from '../archive/age-encryption.ts';
import { collectPki, type PkiFile } from '../archive/collect-pki.ts';
import { prepareDir } from './prepare-dir.ts';
import { RUN_TAG } from '../system/process-tag.ts';
import { isNoSpace, noSpaceError } from '../errors/no-space.ts';
import { removeLeftovers } from './leftovers.ts';
import { requireSpace } from './free-space.ts';

// What the snapshot engine needs from the outside.
export interface SnapshotDeps {
  etcd: EtcdClient;
  clock: Clock;
  progress(message: string): Promise<void>;
}

// What to snapshot into, and why.
export interface SnapshotRequest {
  targetDir: string;
  targetOption: string;
  trigger: Manifest['trigger'];
  unit: string;
  endpoint: string;
  // Aborting stops the snapshot and removes everything it wrote.
  signal?: AbortSignal;
  // age recipients (age1...): when given, the archive is encrypted to them (.tar.gz.age).
  recipients?: string[];
  // Files bundled under pki/ so a restore onto new hosts has what it needs.
  includePaths?: string[];
  // Private keys the default include-paths left out (the archive is not encrypted), recorded in the manifest.
  pkiKeysOmitted?: string[];
}

// The warning for private keys an operator chose to bundle into an archive that is not encrypted.
export const keysInClearWarning = (paths: string[]): string =>
  `private key(s) ${paths.join(',')} bundled in clear because include-paths lists them; anyone with this archive can impersonate etcd: set encryption-recipients`;

// Why a private key is left out of an unencrypted archive by default.
export const KEY_OMITTED_REASON = 'the archive is not encrypted; set encryption-recipients to bundle it, or list it in include-paths';

// A kept, verified snapshot archive.
export interface SnapshotOutcome {
  path: string;
  name: string;
  sha256: string;
  bytes: number;
  diskBytes: number;
  checksumPath: string;
  etcdctlVersion: string;
  manifest: Manifest;
  status: SnapshotStatus;
  encrypted: boolean;
  // Bundled private keys in an archive that is not encrypted (listed explicitly in include-paths).
  keysInClear: string[];
}

// A start time whose second no archive in dir is named after yet (names have one-second precision), waiting for the
// next second when the previous snapshot took this one: two snapshots in a row both succeed.
const freshSecond = async (clock: Clock, dir: string): Promise<Date> => {
  for (;;) {
    const at = clock.now();
    const taken = await Promise.all([false, true].map((encrypted) => stat(join(dir, snapshotName(at, encrypted))).then(() => true, () => false)));
    if (!taken.includes(true)) return at;
    await clock.sleep(1000 - at.getMilliseconds() + 5);
  }
};

// Takes a snapshot with etcdctl, checks it, and writes the archive, its manifest and checksum file.
// First removes what dead runs left in the target, and refuses when the target lacks room for the db and its archive.
export const takeSnapshot = async (deps: SnapshotDeps, request: SnapshotRequest): Promise<SnapshotOutcome> => {
  await prepareDir(request.targetDir, request.targetOption);
  for (const path of await removeLeftovers(request.targetDir)) await deps.progress(`removed ${path}, left by a run that died`);
  const etcdctlVersion = await deps.etcd.version();
  const cluster = await deps.etcd.cluster();
  // The saved db in scratch, plus its archive (Kubernetes data compresses about 3x; half the db is the estimate).
  await requireSpace(request.targetDir, Math.ceil(cluster.dbSize * 1.5), `a snapshot of etcd's ${cluster.dbSize}-byte db`, `free space there or choose another ${request.targetOption}`);
  const startedAt = await freshSecond(deps.clock, request.targetDir);
  const scratch = await mkdtemp(join(request.targetDir, `.etcd-agent-work-${RUN_TAG}-`));
  let writing = join(scratch, DB_NAME);
  try {
    const db = join(scratch, DB_NAME);
    await deps.progress(`saving a snapshot from ${request.endpoint} (revision ${cluster.revision}, ${cluster.memberCount} member(s))`);
    await deps.etcd.save(db, request.signal);
    const integrity = await checkDbIntegrity(db);
    if (!integrity.ok) {
      throw new AgentError('the snapshot etcd streamed failed its integrity check (appended SHA-256 missing or wrong); nothing was kept; take the snapshot again');
    }
    const status = await deps.etcd.status(db);
    const keyCount = await deps.etcd.keyCount(status.revision).catch(() => undefined);
    await deps.progress(`snapshot verified: revision ${status.revision}, ${status.totalKey} keys, ${integrity.bytes} bytes`);
    const manifest: Manifest = {
      format: 1,
      created: startedAt.toISOString(),
      trigger: request.trigger,
      unit: request.unit,
      revision: status.revision,
      totalKeys: status.totalKey,
      ...(keyCount === undefined ? {} : { keyCount }),
      hash: status.hash,
      size: integrity.bytes,
      dbSha256: integrity.sha256,
      clusterId: cluster.clusterId,
      memberCount: cluster.memberCount,
      etcdVersion: cluster.serverVersion,
      etcdctlVersion,
      endpoint: request.endpoint,
    };
    const pki: PkiFile[] = await collectPki(request.includePaths ?? [], scratch);
    const pkiEntries = pki.map((f) => f.entry);
    if (pki.length > 0) manifest.pki = pki.map(({ path, name, sha256, bytes }) => ({ path, name, sha256, bytes }));
    const omitted = request.pkiKeysOmitted ?? [];
    if (omitted.length > 0) manifest.pkiKeysOmitted = omitted.map((path) => ({ path, reason: KEY_OMITTED_REASON }));
    await writeFile(join(scratch, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const encrypted = (request.recipients ?? []).length > 0;
    const name = snapshotName(startedAt, encrypted);
    writing = join(request.targetDir, name);
    const archive = await writeArchive(join(request.targetDir, name), scratch, [MANIFEST_NAME, DB_NAME, ...pkiEntries], {
      signal: request.signal,
      encrypt: encrypted ? encryptStream(request.recipients ?? []) : undefined,
    });
    if (encrypted) await writeManifestSidecar(archive.path, manifest);
    const checksumPath = await writeChecksumFile(archive);
    const { blocks } = await stat(archive.path);
    const keysInClear = encrypted ? [] : pki.filter((f) => f.privateKey).map((f) => f.path);
    return { ...archive, name, diskBytes: blocks * 512, checksumPath, etcdctlVersion, manifest, status, encrypted, keysInClear };
  } catch (error) {
    if (isNoSpace(error)) throw noSpaceError(request.targetDir, writing, error);
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};
