import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, deflateRaw } from 'node:zlib';

// One file's content as a zip entry holds it: deflated (method 8), or stored (0) when deflate does not shrink it.
export interface CompressedContent {
  data: Buffer;
  crc: number;
  size: number;
  method: 0 | 8;
}

// Compresses a content (a path on disk or bytes) for a zip entry.
export type ZipCompressor = (source: string | Buffer) => Promise<CompressedContent>;

const deflate = promisify(deflateRaw);

// A compressor that compresses each distinct source once (by path, or by the Buffer itself), so the same runtime
// or agent file in several charms costs one deflate; deflates run on libuv's thread pool, several at a time.
export const zipCompressor = (level: number): ZipCompressor => {
  const done = new Map<string | Buffer, Promise<CompressedContent>>();
  return (source) => {
    let compressed = done.get(source);
    if (!compressed) {
      compressed = (async () => {
        const bytes = typeof source === 'string' ? await readFile(source) : source;
        if (bytes.length >= 0xffffffff) throw new Error(`${typeof source === 'string' ? source : 'an entry'} is 4 GiB or more; zip64 is not written`);
        const deflated = await deflate(bytes, { level });
        const stored = deflated.length >= bytes.length;
        return { data: stored ? bytes : deflated, crc: crc32(bytes), size: bytes.length, method: stored ? 0 : 8 };
      })();
      done.set(source, compressed);
    }
    return compressed;
  };
};
