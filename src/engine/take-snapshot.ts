import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock/clock.ts';
import type { EtcdClient, SnapshotStatus } from '../etcd/etcd-client.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { DbIntegrity } from '../archive/db-integrity.ts';
import { DB_NAME, type Manifest } from '../archive/manifest.ts';
import { snapshotName, snapshotStamp } from '../archive/snapshot-name.ts';
import { writeChecksumFile, writeManifestSidecar, writeSnapshotArchive } from '../archive/write-archive.ts';
import { DEFAULT_COMPRESSION, describeCompression, type Compression } from '../archive/compression.ts';
import type { ArchiveCodecs } from '../archive/codecs.ts';
import { CommandError } from '../process/command-runner.ts';
import { followFile, NotFollowed } from '../fs/follow-file.ts';
import { encryptStream } from '../archive/age-encryption.ts';
import { collectPki, type PkiFile } from '../archive/collect-pki.ts';
import { prepareDir } from './prepare-dir.ts';
import { RUN_TAG } from '../system/process-tag.ts';
import { isNoSpace, noSpaceError } from '../errors/no-space.ts';
import { removeLeftovers } from './leftovers.ts';
import { requireSpace } from './free-space.ts';
import { lowerOwnPriority } from '../system/cpu-priority.ts';
import type { StartMeter } from '../progress/progress-meter.ts';

// How far the agent lowers its own CPU priority while etcd streams a snapshot.
const GENTLE_NICE = 10;

// What the snapshot engine needs from the outside.
export interface SnapshotDeps {
  etcd: EtcdClient;
  clock: Clock;
  progress(message: string): Promise<void>;
  // Byte progress of the save and the archive's passes (none when absent).
  meter?: StartMeter | undefined;
  // What compresses the db (the agent's own zlib and zstd when absent).
  codecs?: ArchiveCodecs | undefined;
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
  // zstd:1 unless told otherwise.
  compression?: Compression | undefined;
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
    const stamp = `${snapshotStamp(at)}.`;
    if (!(await readdir(dir)).some((name) => name.startsWith(stamp))) return at;
    await clock.sleep(1000 - at.getMilliseconds() + 5);
  }
};

// The saved db's bytes from the finished file, once the save is done.
const finishedDb = async function* (db: string, saving: Promise<void>): AsyncGenerator<Buffer> {
  await saving;
  yield* createReadStream(db, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
};

// The saved db's bytes, read as etcdctl writes them (it writes <file>.part, then renames it): compression starts
// with the first byte etcd streams. Where that cannot be proven exact (another writer, another file at the end)
// before a byte was passed on, the finished file is read instead; after, NotFollowed is thrown for the caller.
const followedDb = async function* (db: string, saving: Promise<void>, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  let sent = 0;
  try {
    for await (const chunk of followFile(`${db}.part`, db, saving, signal)) {
      sent += chunk.length;
      yield chunk;
    }
    return;
  } catch (error) {
    if (!(error instanceof NotFollowed) || sent > 0) throw error;
  }
  yield* finishedDb(db, saving);
};

// True when cause is error or under it.
const hasCause = (error: unknown, cause: unknown): boolean => {
  if (cause === undefined) return false;
  for (let e = error, depth = 0; depth < 5; e = (e as Error).cause, depth++) {
    if (e === cause) return true;
    if (!(e instanceof Error)) return false;
  }
  return false;
};

// Takes a snapshot with etcdctl, checks it, and writes the archive, its manifest and checksum file.
// First removes what dead runs left in the target, and refuses when the target lacks room for the db and its archive.
export const takeSnapshot = async (deps: SnapshotDeps, request: SnapshotRequest): Promise<SnapshotOutcome> => {
  await prepareDir(request.targetDir, request.targetOption);
  for (const path of await removeLeftovers(request.targetDir)) await deps.progress(`removed ${path}, left by a run that died`);
  // Both at once; when both fail, the version's failure is the one reported (it says most about the tool).
  const [version, info] = await Promise.allSettled([deps.etcd.version(), deps.etcd.cluster()]);
  if (version.status === 'rejected') throw version.reason;
  if (info.status === 'rejected') throw info.reason;
  const [etcdctlVersion, cluster] = [version.value, info.value];
  // The saved db in scratch, plus its archive (Kubernetes data compresses about 3x; half the db is the estimate).
  await requireSpace(request.targetDir, Math.ceil(cluster.dbSize * 1.5), `a snapshot of etcd's ${cluster.dbSize}-byte db`, `free space there or choose another ${request.targetOption}`);
  const startedAt = await freshSecond(deps.clock, request.targetDir);
  const scratch = await mkdtemp(join(request.targetDir, `.etcd-agent-work-${RUN_TAG}-`));
  const compression = request.compression ?? DEFAULT_COMPRESSION;
  let writing = join(scratch, DB_NAME);
  const stop = new AbortController();
  let saveError: unknown;
  let saving: Promise<void> | undefined;
  // The saved db's removal, once started.
  let dropped: Promise<void> | undefined;
  try {
    const db = join(scratch, DB_NAME);
    const pki: PkiFile[] = await collectPki(request.includePaths ?? [], scratch);
    await deps.progress(`saving a snapshot from ${request.endpoint} (revision ${cluster.revision}, ${cluster.memberCount} member(s))`);
    // The save stops with the archive: a failure writing it must not leave etcdctl writing into scratch.
    saving = deps.etcd.save(db, AbortSignal.any([stop.signal, ...(request.signal ? [request.signal] : [])]));
    saving.catch((error: unknown) => {
      saveError ??= error;
    });
    // While etcd streams, this process (the compression beside it) yields the CPU to etcd and etcdctl.
    const restorePriority = await lowerOwnPriority(GENTLE_NICE);
    void saving.then(restorePriority, restorePriority);
    const saved = saving;
    // Once the file is whole, snapshot status and the key count run beside the rest of the archive's pass.
    const checked = saved.then(async () => {
      const status = await deps.etcd.status(db);
      const keyCount = await deps.etcd.keyCount(status.revision).catch(() => undefined);
      return { status, keyCount };
    });
    checked.catch(() => undefined);
    const encrypted = (request.recipients ?? []).length > 0;
    const name = snapshotName(startedAt, { codec: compression.codec, encrypted });
    let status: SnapshotStatus | undefined;
    let manifest: Manifest | undefined;
    const manifestFor = async (integrity: DbIntegrity): Promise<Manifest> => {
      if (!integrity.ok) {
        throw new AgentError('the snapshot etcd streamed failed its integrity check (appended SHA-256 missing or wrong); nothing was kept; take the snapshot again');
      }
      const facts = await checked;
      // The archive's db is compressed and snapshot status has read the file: nothing reads it again, so it is
      // removed while the archive is finished (freeing a big file takes a while, beside the archive's hash).
      dropped ??= rm(db, { force: true });
      dropped.catch(() => undefined);
      status = facts.status;
      await deps.progress(`snapshot verified: revision ${status.revision}, ${status.totalKey} keys, ${integrity.bytes} bytes`);
      const made: Manifest = {
        format: 1,
        created: startedAt.toISOString(),
        trigger: request.trigger,
        unit: request.unit,
        revision: status.revision,
        totalKeys: status.totalKey,
        ...(facts.keyCount === undefined ? {} : { keyCount: facts.keyCount }),
        hash: status.hash,
        size: integrity.bytes,
        dbSha256: integrity.sha256,
        clusterId: cluster.clusterId,
        memberCount: cluster.memberCount,
        etcdVersion: cluster.serverVersion,
        etcdctlVersion,
        endpoint: request.endpoint,
        compression: describeCompression(compression),
      };
      if (pki.length > 0) made.pki = pki.map(({ path, name: pkiName, sha256, bytes }) => ({ path, name: pkiName, sha256, bytes }));
      const omitted = request.pkiKeysOmitted ?? [];
      if (omitted.length > 0) made.pkiKeysOmitted = omitted.map((path) => ({ path, reason: KEY_OMITTED_REASON }));
      manifest = made;
      return made;
    };
    writing = join(request.targetDir, name);
    const write = (follow: boolean, codecs: ArchiveCodecs | undefined) =>
      writeSnapshotArchive(
        writing,
        {
          db: () => (follow ? followedDb(db, saved, request.signal) : finishedDb(db, saved)),
          manifest: manifestFor,
          pkiDir: scratch,
          pki: pki.map((f) => f.entry),
          mtime: startedAt,
        },
        {
          compression,
          bodyPath: join(scratch, 'archive-body'),
          signal: request.signal,
          encrypt: encrypted ? encryptStream(request.recipients ?? []) : undefined,
          meter: deps.meter,
          dbEstimate: cluster.dbSize,
          codecs,
        },
      );
    const archive = await write(true, deps.codecs).catch(async (error: unknown) => {
      // A followed save that turned out not to be exact after bytes were compressed: the archive starts again.
      if (error instanceof NotFollowed) {
        await deps.progress(`the saved db changed under the snapshot's pass (${error.message}); reading it again from the file`);
        return write(false, deps.codecs);
      }
      // The compressing program failed (not the stop of an aborted run, not a full disk): the archive starts again,
      // from the file. That needs the whole file: a save that failed meanwhile is what is reported.
      const fallback = deps.codecs?.fallback;
      if (error instanceof CommandError && fallback && !request.signal?.aborted) {
        await saved;
        await deps.progress(`compressing with ${error.command} failed (${error.reason}); compressing with the agent's own codecs instead`);
        return write(false, fallback);
      }
      throw error;
    });
    await saved;
    if (!manifest || !status) throw new AgentError('the snapshot archive was written without its manifest; take the snapshot again');
    if (encrypted) await writeManifestSidecar(archive.path, manifest);
    const checksumPath = await writeChecksumFile(archive);
    const { blocks } = await stat(archive.path);
    const keysInClear = encrypted ? [] : pki.filter((f) => f.privateKey).map((f) => f.path);
    return { path: archive.path, sha256: archive.sha256, bytes: archive.bytes, name, diskBytes: blocks * 512, checksumPath, etcdctlVersion, manifest, status, encrypted, keysInClear };
  } catch (error) {
    stop.abort();
    await saving?.catch(() => undefined);
    // The disk filled under the archive's own write, or else under etcdctl's save (which the archive's pass then
    // reports as its failure too): the write that met it is named.
    if (isNoSpace(error) && !hasCause(error, saveError)) throw noSpaceError(request.targetDir, writing, error);
    if (isNoSpace(saveError)) throw noSpaceError(request.targetDir, join(scratch, DB_NAME), saveError);
    if (isNoSpace(error)) throw noSpaceError(request.targetDir, writing, error);
    throw error;
  } finally {
    await dropped?.catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
};
