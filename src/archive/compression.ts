import { availableParallelism } from 'node:os';
import { Duplex, PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { constants, createGunzip, gzip, zstdCompress } from 'node:zlib';
import { UsageError } from '../errors/agent-error.ts';
import { parallelBlocks } from './parallel-blocks.ts';
import { decompressZstd } from './zstd-frames.ts';
import { isGzip } from './gzip-magic.ts';

const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);

// Blocks compressed on their own: large enough for the codec's window, small enough to keep memory flat.
const ZSTD_BLOCK_BYTES = 1 << 20;
const GZIP_BLOCK_BYTES = 1 << 20;

// How an archive's tar is compressed: the codec and its level (0 for none).
export interface Compression {
  codec: 'zstd' | 'gzip' | 'none';
  level: number;
}

// gzip -6 on every core: the contract names archives .tar.gz (CONTRACT §3). zstd (snapshot-compression=zstd) is
// smaller and several times as fast on Kubernetes data (README, Benchmark).
export const DEFAULT_COMPRESSION: Compression = { codec: 'gzip', level: 6 };

const LEVELS: Record<Compression['codec'], { min: number; max: number; default: number }> = {
  zstd: { min: 1, max: 19, default: 1 },
  gzip: { min: 1, max: 9, default: 6 },
  none: { min: 0, max: 0, default: 0 },
};

// Parses `zstd`, `zstd:3`, `gzip`, `gzip:1`, `none`; a bad value is a UsageError naming the option (subject: the
// option and value as the surface names them).
export const parseCompression = (value: string, subject = `snapshot-compression=${JSON.stringify(value)}`): Compression => {
  const text = value.trim().toLowerCase();
  if (text === '') return DEFAULT_COMPRESSION;
  const [codec, level, extra] = text.split(':');
  const range = LEVELS[codec as Compression['codec']];
  const bad = (why: string): UsageError => new UsageError(`invalid ${subject}: ${why}`);
  if (!range || extra !== undefined) throw bad('use zstd, gzip or none, optionally with a level (zstd:3, gzip:9)');
  if (level === undefined) return { codec: codec as Compression['codec'], level: range.default };
  if (codec === 'none') throw bad('none takes no level');
  const n = Number(level);
  if (!/^\d+$/.test(level) || n < range.min || n > range.max) throw bad(`the ${codec} level must be a whole number from ${range.min} to ${range.max}`);
  return { codec: codec as Compression['codec'], level: n };
};

// `zstd:1`, `gzip:6`, `none`: how the manifest and results record it.
export const describeCompression = (c: Compression): string => (c.codec === 'none' ? 'none' : `${c.codec}:${c.level}`);

// The archive name's extension for a codec: .tar.zst, .tar.gz or .tar.
export const tarExtension = (codec: Compression['codec']): string => ({ zstd: '.tar.zst', gzip: '.tar.gz', none: '.tar' })[codec];

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
