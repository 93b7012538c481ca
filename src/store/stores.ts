import type { DeltaUploadStore } from './delta-store.ts';
import type { LocalDeltaStore } from './local-delta-store.ts';
import type { LocalStore } from './local-store.ts';
import type { UploadStore } from './snapshot-store.ts';

// The stores one run works with, built once in the composition root and handed down.
export interface Stores {
  // The archives in a directory on this unit.
  local(dir: string): LocalStore;
  // This unit's off-unit store, or undefined when s3-bucket is not set (made on first use, once).
  remote(): Promise<UploadStore | undefined>;
  // The delta segments in a directory on this unit (the snapshot dir).
  localDeltas(dir: string): LocalDeltaStore;
  // The delta segments beside this unit's archives in S3 (same bucket, prefix and client as remote()), or undefined
  // when s3-bucket is not set.
  remoteDeltas(): Promise<DeltaUploadStore | undefined>;
}

// The key prefix of one unit's objects: <s3-prefix>/<application>/<unit with - for />.
export const unitPrefix = (prefix: string, unit: string): string => {
  const [application = unit] = unit.split('/');
  return [prefix, application, unit.replace(/\//g, '-')].filter(Boolean).join('/');
};
