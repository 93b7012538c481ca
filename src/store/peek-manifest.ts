import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { MANIFEST_MAX_BYTES, parseManifest, planMember } from '../archive/archive-members.ts';
import { MANIFEST_NAME, type Manifest } from '../archive/manifest.ts';

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
// Follows the same rules as archive/read-manifest.ts, over bytes in memory instead of a file.
export const manifestInHead = async (chunks: readonly Buffer[]): Promise<Manifest | undefined> => {
  const first = chunks[0];
  if (!first || first.length < 2 || first[0] !== 0x1f || first[1] !== 0x8b) return undefined;
  let outcome: Manifest | undefined | 'pending' = 'pending';
  const settle = (value: Manifest | undefined): void => {
    if (outcome === 'pending') outcome = value;
  };
  const parser = new Parser({ strict: true, brotli: false, zstd: false });
  parser.on('entry', (entry: ReadEntry) => {
    const plan = planMember({ path: entry.path, type: entry.type, headerType: entry.header.type, linkpath: entry.linkpath });
    entry.resume();
    if (outcome !== 'pending' || plan.kind === 'skip') return;
    if (plan.kind !== 'file' || plan.name !== MANIFEST_NAME || entry.size > MANIFEST_MAX_BYTES) return settle(undefined);
    const parts: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => parts.push(chunk));
    entry.on('end', () => {
      try {
        settle(parseManifest(Buffer.concat(parts).toString('utf8')));
      } catch {
        settle(undefined);
      }
    });
  });
  for (const event of ['ignoredEntry', 'warn', 'error', 'end']) parser.on(event, () => settle(undefined));
  const gunzip = createGunzip({ chunkSize: 16 * 1024 });
  gunzip.on('error', () => undefined);
  try {
    gunzip.end(Buffer.concat(chunks));
    let first = true;
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (first && chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) return undefined;
      first = false;
      parser.write(chunk);
      if (outcome !== 'pending') break;
    }
  } catch {
    // A head cut mid-stream ends in "unexpected end of file": what came before still counts.
  } finally {
    gunzip.destroy();
  }
  await Promise.resolve();
  return outcome === 'pending' ? undefined : outcome;
};
