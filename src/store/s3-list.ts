import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { headObject, type S3Context } from './s3-context.ts';
import { statusOf } from './s3-errors.ts';
import { keyOf, parseSidecar, readMetadata, sidecarKeyOf, snapshotNameOfKey, urlOf } from './s3-keys.ts';
import { newestFirst } from './snapshot-names.ts';
import type { StoredSnapshot } from './snapshot-store.ts';

// HeadObject requests in flight at once while listing.
const LIST_CONCURRENCY = 8;

// A sidecar is one sha256sum line; nothing bigger is read.
const MAX_SIDECAR_BYTES = 4096;

// Every key directly under the prefix (not in "subdirectories"), page by page.
const listKeys = async (context: S3Context): Promise<Set<string>> => {
  const keys = new Set<string>();
  const prefix = context.place.prefix ? `${context.place.prefix}/` : undefined;
  let token: string | undefined;
  do {
    const page = await context.client.send(
      new ListObjectsV2Command({ Bucket: context.place.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.add(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
};

// The SHA-256 a sidecar object records for name; undefined when it is missing or malformed.
export const readSidecarObject = async (context: S3Context, name: string): Promise<string | undefined> => {
  try {
    const { Body } = await context.client.send(
      new GetObjectCommand({ Bucket: context.place.bucket, Key: sidecarKeyOf(context.place, name), Range: `bytes=0-${MAX_SIDECAR_BYTES - 1}` }),
    );
    if (!(Body instanceof Readable)) return undefined;
    const parts: Buffer[] = [];
    for await (const chunk of Body) parts.push(chunk as Buffer);
    return parseSidecar(Buffer.concat(parts).toString('utf8'), name);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
};

// One archive as listing sees it, from its metadata (sidecar when the metadata has no checksum);
// undefined when it vanished since the listing.
const describeObject = async (context: S3Context, name: string, hasSidecar: boolean): Promise<StoredSnapshot | undefined> => {
  const created = parseSnapshotName(name);
  const head = created && (await headObject(context, keyOf(context.place, name)));
  if (!created || !head) return undefined;
  const { sha256, manifest, trigger } = readMetadata(head.Metadata);
  const bytes = head.ContentLength ?? 0;
  return {
    name,
    location: urlOf(context.place, name),
    bytes,
    diskBytes: bytes,
    sha256: sha256 ?? (hasSidecar ? await readSidecarObject(context, name) : undefined),
    created,
    manifest,
    trigger,
  };
};

// This unit's archives in the bucket, newest first; foreign keys, sidecars and deeper keys are ignored.
export const listS3 = async (context: S3Context, signal: AbortSignal | undefined): Promise<StoredSnapshot[]> => {
  const keys = await listKeys(context);
  const names = [...keys].map((key) => snapshotNameOfKey(context.place, key)).filter((name): name is string => name !== undefined);
  const found: StoredSnapshot[] = [];
  for (let i = 0; i < names.length; i += LIST_CONCURRENCY) {
    signal?.throwIfAborted();
    const batch = names.slice(i, i + LIST_CONCURRENCY);
    const described = await Promise.all(batch.map((name) => describeObject(context, name, keys.has(sidecarKeyOf(context.place, name)))));
    for (const snapshot of described) if (snapshot) found.push(snapshot);
  }
  return found.sort(newestFirst);
};
