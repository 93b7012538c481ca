import { SHA256_HEX } from '../format/sha256sum.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../archive/manifest.ts';
import { extractSnapshot, type ExtractedSnapshot } from '../archive/read-archive.ts';
import type { UnpackLimit } from '../archive/unpack-tar.ts';
import type { EtcdClient, SnapshotStatus } from '../etcd/etcd-client.ts';
import { AgentError, UsageError } from '../errors/agent-error.ts';

// A snapshot that passed every check and sits unpacked in scratch.
export interface InspectedSnapshot {
  format: ExtractedSnapshot['format'];
  dbPath: string;
  sha256: string;
  bytes: number;
  manifest: Manifest | undefined;
  status: SnapshotStatus;
  // skipped for raw copies of member/snap/db, which carry no integrity hash.
  hashCheck: 'verified' | 'skipped';
  encrypted: boolean;
  // pki/ files unpacked into scratch, by their name inside pki/.
  pkiDir: string;
  pki: string[];
}

// What a restore tool is told about etcd's appended hash of an inspected db: not to check it again. inspectSnapshot
// checked it over the very bytes it wrote to dbPath and refused a mismatch, or the db is a raw copy that has none;
// `etcdctl snapshot restore` would read the whole db once more for it (at 256 MiB: 1.0 of its 2.0 s).
export const SKIP_RESTORE_HASH_CHECK = true;

// The largest database a restore will unpack: etcd's own maximum quota (8 GiB) twice over.
export const MAX_DB_BYTES = 16 * 1024 ** 3;

const SHA256 = SHA256_HEX;

// The checksum a `<archive>.sha256` file beside the archive records, if there is one.
const sidecarSha256 = async (path: string): Promise<string | undefined> => {
  const text = await readFile(`${path}.sha256`, 'utf8').catch(() => undefined);
  const first = text?.trim().split(/\s+/)[0]?.toLowerCase();
  return first && SHA256.test(first) ? first : undefined;
};

// Unpacks a snapshot into scratch and checks it all before anything is touched:
// archive checksum, safe members, db integrity hash, snapshot status, manifest agreement.
export const inspectSnapshot = async (
  path: string,
  scratch: string,
  expectedSha256: string,
  etcd: EtcdClient,
  identity?: string,
  limit: UnpackLimit = { maxBytes: MAX_DB_BYTES },
): Promise<InspectedSnapshot> => {
  const expected = expectedSha256.trim().toLowerCase();
  if (expected && !SHA256.test(expected)) throw new UsageError(`invalid param sha256="${expectedSha256}": must be 64 hex digits as sha256sum prints them`);
  const extracted = await extractSnapshot(path, scratch, { ...limit, identity });
  if (expected && extracted.sha256 !== expected) {
    throw new AgentError(`refusing ${path}: its SHA-256 is ${extracted.sha256}, not the expected ${expected}; check that you have the right file and that it was copied whole`);
  }
  const sidecar = await sidecarSha256(path);
  if (sidecar && sidecar !== extracted.sha256) {
    throw new AgentError(`refusing ${path}: its SHA-256 is ${extracted.sha256} but ${path}.sha256 says ${sidecar}; the archive changed or was copied partly`);
  }
  const integrity = extracted.db;
  const raw = extracted.format === 'legacy-tarball' && !integrity.hasHash;
  if (!raw && !integrity.ok) {
    throw new AgentError(
      integrity.hasHash
        ? `refusing ${path}: the db fails etcd's integrity hash (a changed byte); this snapshot is damaged, use another one`
        : `refusing ${path}: the db has no integrity hash, so it is truncated or not an etcd snapshot; use another one`,
    );
  }
  if (extracted.manifest && integrity.sha256 !== extracted.manifest.dbSha256) {
    throw new AgentError(`refusing ${path}: the db does not match the SHA-256 its manifest records; the archive was altered`);
  }
  const manifest = extracted.manifest;
  let status: SnapshotStatus;
  if (manifest) {
    // The db is byte for byte the one the manifest describes (its SHA-256 matched): snapshot status of it, run when
    // the snapshot was taken, is in the manifest, and running it again would read the whole db once more.
    status = { revision: manifest.revision, totalKey: manifest.totalKeys, hash: manifest.hash, totalSize: manifest.size };
  } else {
    try {
      status = await etcd.status(extracted.dbPath);
    } catch (error) {
      throw new AgentError(`refusing ${path}: its db is not a database etcd can read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return {
    format: extracted.format,
    dbPath: extracted.dbPath,
    sha256: extracted.sha256,
    bytes: extracted.bytes,
    manifest,
    status,
    hashCheck: raw ? 'skipped' : 'verified',
    encrypted: extracted.encrypted,
    pkiDir: join(scratch, 'pki'),
    pki: extracted.pki.map((p) => p.slice('pki/'.length)),
  };
};
