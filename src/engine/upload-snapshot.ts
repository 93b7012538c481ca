import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { SaveMeta, UploadStore } from '../store/snapshot-store.ts';
import type { SnapshotOutcome } from './take-snapshot.ts';
import { countedRead } from '../progress/counted-read.ts';
import { silentMeter, type StartMeter } from '../progress/progress-meter.ts';

// Where an uploaded copy went, and its checksum as the store recorded it.
export interface UploadOutcome {
  url: string;
  sha256: string;
}

// Streams a kept snapshot to the off-unit store and checks it there; on failure the local archive stays and the message says where.
// An archive that is not encrypted leaves the unit only when allowUnencrypted says the operator chose that.
export const uploadSnapshot = async (
  store: UploadStore,
  snapshot: SnapshotOutcome,
  options: { progress: (message: string) => Promise<void>; allowUnencrypted: boolean; signal?: AbortSignal | undefined; meter?: StartMeter | undefined },
): Promise<UploadOutcome> => {
  const { progress, signal } = options;
  if (!snapshot.encrypted && !options.allowUnencrypted) {
    throw new AgentError(
      `not uploading ${snapshot.name} to ${store.location}: it is not encrypted, and off-site copies carry every Kubernetes Secret; set encryption-recipients (age public keys), or s3-allow-unencrypted=true to upload it in clear; the snapshot is kept on the unit at ${snapshot.path}`,
    );
  }
  await progress(`uploading ${snapshot.name} (${snapshot.bytes} bytes) to ${store.location}`);
  try {
    // The archive's bytes are counted as they are read for the store; with backpressure that is as they are sent.
    const meter = (options.meter ?? silentMeter)('upload', snapshot.bytes);
    // The S3 store may start a failed upload over from a fresh read of the archive.
    const reopen = () => {
      meter.restart();
      return countedRead(snapshot.path, meter);
    };
    const meta: SaveMeta = { sha256: snapshot.sha256, manifest: snapshot.manifest, reopen, sourceFile: snapshot.path };
    const stored = await store.save(snapshot.name, countedRead(snapshot.path, meter), meta, signal ? { signal } : {});
    await meter.end();
    if (stored.sha256 !== snapshot.sha256 || stored.bytes !== snapshot.bytes) {
      throw new AgentError(`the store holds ${stored.bytes} bytes with SHA-256 ${stored.sha256 ?? 'unknown'}, not ${snapshot.bytes} bytes with ${snapshot.sha256}`);
    }
    await progress(`uploaded and checked ${stored.location}`);
    return { url: stored.location, sha256: stored.sha256 };
  } catch (error) {
    throw new AgentError(`uploading ${snapshot.name} to ${store.location} failed: ${oneLine(error)}; the snapshot is kept on the unit at ${snapshot.path}`, { cause: error });
  }
};
