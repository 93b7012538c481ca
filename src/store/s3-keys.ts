import { SHA256_HEX } from '../format/sha256sum.ts';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { MANIFEST_MAX_BYTES, parseManifest } from '../archive/archive-members.ts';
import type { Manifest } from '../archive/manifest.ts';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { SIDECAR_SUFFIX } from './snapshot-names.ts';
import type { S3Place } from './s3-place.ts';

// The place and its URL, from the module that loads nothing (make-stores names the store before the SDK loads).
export { placeOf, urlOf, type S3Place } from './s3-place.ts';

// The key of an archive (or anything else named name) under the prefix.
export const keyOf = (place: S3Place, name: string): string => (place.prefix ? `${place.prefix}/${name}` : name);

// The key of an archive's sha256sum-format sidecar.
export const sidecarKeyOf = (place: S3Place, name: string): string => keyOf(place, `${name}${SIDECAR_SUFFIX}`);


// The archive name a listed key stands for, when it sits directly under the prefix and has the exact pattern.
export const snapshotNameOfKey = (place: S3Place, key: string): string | undefined => {
  const start = place.prefix ? `${place.prefix}/` : '';
  if (!key.startsWith(start)) return undefined;
  const name = key.slice(start.length);
  return parseSnapshotName(name) ? name : undefined;
};

// Header values stay well inside S3's 2 KiB limit for all user metadata together.
const MAX_MANIFEST_METADATA = 1536;

const HEX64 = SHA256_HEX;

// The Content-Type an archive is stored with: zstd, gzip or tar, or opaque bytes for an age-encrypted one.
export const contentTypeOf = (key: string): string => {
  if (key.endsWith('.age')) return 'application/octet-stream';
  if (key.endsWith('.tar.zst')) return 'application/zstd';
  return key.endsWith('.tar') ? 'application/x-tar' : 'application/gzip';
};

// The user metadata stored with an archive: sha256 (when known before the upload), revision, trigger,
// and the manifest itself (deflated JSON, base64url) so that listing needs no download.
export const metadataFor = (sha256: string | undefined, manifest: Manifest | undefined): Record<string, string> => {
  const metadata: Record<string, string> = {};
  if (sha256 !== undefined) metadata.sha256 = sha256;
  if (manifest) {
    metadata.revision = String(manifest.revision);
    metadata.trigger = manifest.trigger;
    const encoded = deflateRawSync(Buffer.from(JSON.stringify(manifest), 'utf8')).toString('base64url');
    if (encoded.length <= MAX_MANIFEST_METADATA) metadata.manifest = encoded;
  }
  return metadata;
};

// What an object's metadata says about the archive; each part undefined when absent or malformed.
export interface ArchiveMetadata {
  sha256: string | undefined;
  manifest: Manifest | undefined;
  trigger: Manifest['trigger'] | undefined;
}

// Reads metadataFor's fields back, checking each (the manifest with the archive reader's own rules).
export const readMetadata = (metadata: Record<string, string> | undefined): ArchiveMetadata => {
  const sha256 = metadata?.sha256?.toLowerCase();
  let manifest: Manifest | undefined;
  try {
    const packed = metadata?.manifest;
    manifest = packed ? parseManifest(inflateRawSync(Buffer.from(packed, 'base64url'), { maxOutputLength: MANIFEST_MAX_BYTES }).toString('utf8')) : undefined;
  } catch {
    manifest = undefined;
  }
  const trigger = manifest?.trigger ?? metadata?.trigger;
  return {
    sha256: sha256 && HEX64.test(sha256) ? sha256 : undefined,
    manifest,
    trigger: trigger === 'manual' || trigger === 'scheduled' ? trigger : undefined,
  };
};

// The sidecar text and its parser are sha256sum's, shared with the local store.
export { parseSidecar, sidecarText } from '../format/sha256sum.ts';
