import type { Readable } from 'node:stream';
import type { Manifest } from '../archive/manifest.ts';

// One snapshot archive a store holds, as far as listing can tell without reading it whole.
export interface StoredSnapshot {
  // etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz, this charm's exact pattern.
  name: string;
  // The store it lives in: `local` for the unit's directory, `s3://bucket/prefix` off the unit.
  location: string;
  // Exact size of the archive.
  bytes: number;
  // Space it takes (local: st_blocks * 512, what `du` counts; elsewhere the exact size).
  diskBytes: number;
  // Hex SHA-256 from the `.sha256` sidecar when present and well formed; never computed on list.
  sha256: string | undefined;
  // The moment its name stands for (UTC).
  created: Date;
  // etcd-snapshot.json, read from the archive's first member; undefined when unreadable or legacy.
  manifest: Manifest | undefined;
  // Why it was taken, from the manifest.
  trigger: Manifest['trigger'] | undefined;
}

// What a caller may say about an archive it saves.
export interface SaveMeta {
  // Expected hex SHA-256 of the bytes; the save is refused and nothing kept when they differ.
  sha256?: string;
  // The archive's manifest, for stores that keep it beside the object (the local store reads it from the archive).
  manifest?: Manifest;
  // Reads the archive again from its start: a store may start a failed save over with it (S3 does).
  reopen?: () => Readable;
  // The file the source reads, complete on disk and unchanged while the save runs: a store may read ranges of it
  // again instead of holding the bytes (S3 reads each part from it to send it).
  sourceFile?: string;
}

// Per-call options every store honours.
export interface StoreCallOptions {
  // Aborts the call; a partial save is removed.
  signal?: AbortSignal;
}

// Where snapshot archives are kept: the unit's directory or an S3 bucket; one interface for both.
// Every method refuses a name that is not of the exact snapshot pattern, and fails with an AgentError
// whose message names the store and says what went wrong.
export interface SnapshotStore {
  readonly location: string;
  // The archives of this charm's exact name pattern, newest first; anything else is ignored.
  list(options?: StoreCallOptions): Promise<StoredSnapshot[]>;
  // The archive's bytes as a stream; fails when there is no such archive.
  fetch(name: string, options?: StoreCallOptions): Promise<Readable>;
  // Removes the archive and its `.sha256` sidecar; removing one that is already gone is not an error.
  delete(name: string, options?: StoreCallOptions): Promise<void>;
}

// A store archives are uploaded to (S3): the unit's own directory is written by the snapshot engine itself.
export interface UploadStore extends SnapshotStore {
  // Stores the stream under name atomically (never partial, never over an existing archive), with a checksum sidecar.
  save(name: string, source: Readable, meta?: SaveMeta, options?: StoreCallOptions): Promise<StoredSnapshot>;
}
