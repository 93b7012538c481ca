import { UsageError } from '../errors/agent-error.ts';

// What snapshot-compression says, apart from the codecs themselves: config normalisation reads it on every start,
// which then need not load node:zlib.

// How an archive's tar is compressed: the codec and its level (0 for none).
export interface Compression {
  codec: 'zstd' | 'gzip' | 'none';
  level: number;
}

// gzip -1 on every core: the contract names archives .tar.gz (CONTRACT §3). Level 1 takes half the CPU of level 6
// for 6 % more bytes on Kubernetes data (README, Benchmark). zstd (snapshot-compression=zstd) is smaller and faster still.
export const DEFAULT_COMPRESSION: Compression = { codec: 'gzip', level: 1 };

const LEVELS: Record<Compression['codec'], { min: number; max: number; default: number }> = {
  zstd: { min: 1, max: 19, default: 1 },
  gzip: { min: 1, max: 9, default: 1 },
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

// `zstd:1`, `gzip:1`, `none`: how the manifest and results record it.
export const describeCompression = (c: Compression): string => (c.codec === 'none' ? 'none' : `${c.codec}:${c.level}`);

// The archive name's extension for a codec: .tar.zst, .tar.gz or .tar.
export const tarExtension = (codec: Compression['codec']): string => ({ zstd: '.tar.zst', gzip: '.tar.gz', none: '.tar' })[codec];
