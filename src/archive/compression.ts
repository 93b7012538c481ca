import { availableParallelism } from 'node:os';
import { Duplex, PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { constants, createGunzip, gzip, zstdCompress } from 'node:zlib';
import { parallelBlocks } from './parallel-blocks.ts';
import { decompressZstd } from './zstd-frames.ts';
import { isGzip } from './gzip-magic.ts';
import type { Compression } from './compression-spec.ts';

const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);

// Blocks compressed on their own: large enough for the codec's window, small enough to keep memory flat.
const ZSTD_BLOCK_BYTES = 1 << 20;
const GZIP_BLOCK_BYTES = 1 << 20;

// The option's parts (parse, describe, extension), where config normalisation takes them from without loading zlib.
export { DEFAULT_COMPRESSION, describeCompression, parseCompression, tarExtension, type Compression } from './compression-spec.ts';

// A stream that compresses with the codec on every core; `none` passes bytes through. Its output is a sequence
// of complete frames (zstd, each with its checksum) or members (gzip), so two outputs concatenated are one valid file.
export const compressor = (c: Compression): Duplex => {
  // One block more than there are cores keeps every core busy while the oldest block is written out.
  const parallel = Math.max(1, availableParallelism()) + 1;
  if (c.codec === 'zstd') {
    const params = { [constants.ZSTD_c_compressionLevel]: c.level, [constants.ZSTD_c_checksumFlag]: 1 };
    return parallelBlocks((block) => zstdAsync(block, { params }), ZSTD_BLOCK_BYTES, parallel);
  }
  if (c.codec === 'gzip') return parallelBlocks((block) => gzipAsync(block, { level: c.level }), GZIP_BLOCK_BYTES, parallel);
  return new PassThrough({ highWaterMark: 1 << 20 });
};

// What the first bytes of a (decrypted) archive say it is.
export type ArchiveKind = 'zstd' | 'gzip' | 'tar' | 'other';

// Bytes of the head kindOf needs: tar's "ustar" magic sits at offset 257.
export const KIND_HEAD_BYTES = 263;

// Tells zstd (28 b5 2f fd), gzip (1f 8b) and a plain tar (ustar) apart; anything else is 'other'.
export const kindOf = (head: Buffer): ArchiveKind => {
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (isGzip(head)) return 'gzip';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return 'other';
};

// A stream that undoes the compression kindOf found (every frame or member, one after another).
export const decompressor = (kind: Exclude<ArchiveKind, 'other'>): Duplex => {
  if (kind === 'zstd') return Duplex.from(decompressZstd);
  if (kind === 'gzip') return createGunzip({ chunkSize: 256 * 1024 });
  return new PassThrough({ highWaterMark: 1 << 20 });
};
