import type { Compression } from './compression.ts';

// Bytes that decompress to nothing, to fill a region of a compressed file exactly: zstd skippable frames
// (RFC 8878 §3.1.2) or empty gzip members whose header carries a padding extra field (RFC 1952 §2.3.1.1).
// Every zstd and gzip reader skips them. undefined when `bytes` cannot be filled (too few for one frame).
const ZSTD_SKIPPABLE = 0x184d2a5e;
const ZSTD_MIN = 8;
const GZIP_MIN = 26;
const GZIP_MAX = 22 + 0xffff;

const zstdSkippable = (bytes: number): Buffer => {
  const frame = Buffer.alloc(bytes);
  frame.writeUInt32LE(ZSTD_SKIPPABLE, 0);
  frame.writeUInt32LE(bytes - ZSTD_MIN, 4);
  return frame;
};

// An empty gzip member of exactly `bytes` (26 to 65557): header with FEXTRA holding one "EP" subfield of
// zeros, an empty final deflate block, CRC-32 and size of nothing.
const gzipEmpty = (bytes: number): Buffer => {
  const xlen = bytes - 22;
  const member = Buffer.alloc(bytes);
  member.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255], 0);
  member.writeUInt16LE(xlen, 10);
  member.set([0x45, 0x50], 12);
  member.writeUInt16LE(xlen - 4, 14);
  member.set([3, 0], 12 + xlen);
  return member;
};

// Padding of exactly `bytes` for the codec, or undefined when it cannot be made (none, or too few bytes).
export const paddingFrames = (codec: Compression['codec'], bytes: number): Buffer | undefined => {
  if (bytes === 0) return Buffer.alloc(0);
  if (codec === 'zstd') return bytes >= ZSTD_MIN && bytes - ZSTD_MIN <= 0xffffffff ? zstdSkippable(bytes) : undefined;
  if (codec !== 'gzip' || bytes < GZIP_MIN) return undefined;
  const members: Buffer[] = [];
  let left = bytes;
  while (left > GZIP_MAX) {
    // Never leave a remainder too small for a member of its own.
    const take = left - GZIP_MAX < GZIP_MIN ? left - GZIP_MIN : GZIP_MAX;
    members.push(gzipEmpty(take));
    left -= take;
  }
  members.push(gzipEmpty(left));
  return Buffer.concat(members);
};
