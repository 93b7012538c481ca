import type { Readable } from 'node:stream';
import type { SegmentName } from '../delta/delta-types.ts';
import type { StoreCallOptions } from './snapshot-store.ts';

// One closed delta segment a store holds.
export interface StoredSegment extends SegmentName {
  // The store it lives in: `local` or `s3://bucket/prefix`.
  location: string;
  bytes: number;
  // Hex SHA-256 from the `.sha256` sidecar when present and well formed; never computed on list.
  sha256: string | undefined;
}

// Where delta segments are kept (the unit's snapshot dir, or S3 beside the archives). Every method refuses a name
// that is not a segment's exact pattern (etcd-delta-<stamp>-<first>-<last>.jsonl.gz[.age]).
export interface DeltaStore {
  readonly location: string;
  // The segments of this charm's exact name pattern, ascending by stamp then first revision.
  listSegments(options?: StoreCallOptions): Promise<StoredSegment[]>;
  // The segment's bytes; fails when there is none.
  fetchSegment(name: string, options?: StoreCallOptions): Promise<Readable>;
  // Removes the segment and its sidecar; one already gone is not an error.
  deleteSegment(name: string, options?: StoreCallOptions): Promise<void>;
}

// A store closed segments are uploaded to (S3).
export interface DeltaUploadStore extends DeltaStore {
  // Stores the segment atomically with its sidecar; refused, nothing kept, when the bytes' SHA-256 differs from sha256.
  saveSegment(name: string, source: Readable, meta: { sha256: string; reopen?: () => Readable }, options?: StoreCallOptions): Promise<StoredSegment>;
}
