import { Readable } from 'node:stream';
import type { Manifest } from '../archive/manifest.ts';
import { manifestFromStream } from '../archive/read-manifest.ts';

// Compressed bytes read ahead of an upload to find the manifest (it is the archive's first member).
export const PEEK_BYTES = 256 * 1024;

// The first chunks of a stream, read without losing them; `ended` when that was all of it.
export interface StreamHead {
  chunks: Buffer[];
  ended: boolean;
}

// Reads from source until limit bytes or its end; the rest stays in source, unread.
export const peekHead = async (source: Readable, limit = PEEK_BYTES): Promise<StreamHead> => {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of source.iterator({ destroyOnReturn: false })) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buffer);
    bytes += buffer.length;
    if (bytes >= limit) return { chunks, ended: source.readableEnded };
  }
  return { chunks, ended: true };
};

// The manifest in the head of a snapshot archive, when etcd-snapshot.json is its first member and
// fits in it; undefined for anything else (legacy archive, not gzip, truncated, malformed).
export const manifestInHead = (chunks: readonly Buffer[]): Promise<Manifest | undefined> => manifestFromStream(Readable.from(chunks));
