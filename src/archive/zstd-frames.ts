import { Readable } from 'node:stream';
import { createZstdDecompress } from 'node:zlib';
import { HEAP_CHUNK_BYTES } from '../system/malloc-threshold.ts';

// Node's zstd decompressor stops at the end of the first frame; a .tar.zst may hold many (this agent writes one
// per 4 MiB block, pzstd writes several, `zstd` one). This walks the frame format (RFC 8878 §3.1) block by block,
// hands each frame to a fresh decompressor as its bytes arrive and skips skippable frames, so memory stays flat
// however large a frame is.
const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;

// Why a stream is not valid zstd; the code lets callers report it as a corrupt archive.
export class ZstdFormatError extends Error {
  override readonly name = 'ZstdFormatError';
  readonly code = 'ZSTD_error_frame';
}

// Bytes pulled from an async source on demand.
class Pull {
  #parts: Buffer[] = [];
  #bytes = 0;
  #source: AsyncIterator<Buffer>;
  #done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  // Buffers at least n bytes; false when the source ends first.
  async fill(n: number): Promise<boolean> {
    while (this.#bytes < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else {
        this.#parts.push(next.value);
        this.#bytes += next.value.length;
      }
    }
    return this.#bytes >= n;
  }

  // The first n buffered bytes, without taking them.
  peek(n: number): Buffer {
    if ((this.#parts[0]?.length ?? 0) < n) this.#parts = [Buffer.concat(this.#parts, this.#bytes)];
    return (this.#parts[0] as Buffer).subarray(0, n);
  }

  // Takes up to n buffered bytes (at least one), pulling when none are buffered; empty at the end.
  async take(n: number): Promise<Buffer> {
    if (this.#bytes === 0 && !(await this.fill(1))) return Buffer.alloc(0);
    const first = this.#parts[0] as Buffer;
    const piece = first.subarray(0, Math.min(n, first.length));
    if (piece.length === first.length) this.#parts.shift();
    else this.#parts[0] = first.subarray(piece.length);
    this.#bytes -= piece.length;
    return piece;
  }
}

// Yields exactly n bytes of the source in pieces; throws when it ends first.
const exactly = async function* (pull: Pull, n: number, what: string): AsyncGenerator<Buffer> {
  let left = n;
  while (left > 0) {
    const piece = await pull.take(left);
    if (piece.length === 0) throw new ZstdFormatError(`the zstd stream ends inside ${what}`);
    left -= piece.length;
    yield piece;
  }
};

// The bytes of one zstd frame (header, blocks, checksum), read block by block.
const frameBytes = async function* (pull: Pull): AsyncGenerator<Buffer> {
  if (!(await pull.fill(6))) throw new ZstdFormatError('the zstd stream ends inside a frame header');
  const descriptor = pull.peek(5)[4] as number;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = (descriptor >> 2) & 1;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6] as number;
  yield* exactly(pull, 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][descriptor & 3] as number) + sizeBytes, 'a frame header');
  for (;;) {
    if (!(await pull.fill(3))) throw new ZstdFormatError('the zstd stream ends inside a block header');
    const header = pull.peek(3).readUIntLE(0, 3);
    const type = (header >> 1) & 3;
    if (type === 3) throw new ZstdFormatError('the zstd stream holds a reserved block type');
    yield* exactly(pull, 3 + (type === 1 ? 1 : header >> 3), 'a block');
    if (header & 1) break;
  }
  if (checksum) yield* exactly(pull, 4, 'a frame checksum');
};

// Decompresses every frame of a zstd stream in order.
export const decompressZstd = async function* (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const pull = new Pull(input);
  let frames = 0;
  while (await pull.fill(1)) {
    if (!(await pull.fill(4))) throw new ZstdFormatError('the zstd stream ends inside a frame');
    const magic = pull.peek(4).readUInt32LE(0);
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE) {
      if (!(await pull.fill(8))) throw new ZstdFormatError('the zstd stream ends inside a skippable frame');
      const skip = exactly(pull, 8 + pull.peek(8).readUInt32LE(4), 'a skippable frame');
      while (!(await skip.next()).done);
      continue;
    }
    if (magic !== MAGIC) throw new ZstdFormatError(frames === 0 ? 'not a zstd stream' : 'bytes after the last zstd frame are not a zstd frame');
    frames++;
    const frame = Readable.from(frameBytes(pull));
    // Decompressed output comes in fresh chunks: sized for malloc's heap, not a mapping each.
    const inflate = createZstdDecompress({ chunkSize: HEAP_CHUNK_BYTES });
    frame.on('error', (error) => inflate.destroy(error));
    yield* frame.pipe(inflate) as AsyncIterable<Buffer>;
  }
  if (frames === 0) throw new ZstdFormatError('the zstd stream holds no frame');
};
