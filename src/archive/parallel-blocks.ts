import { Transform, type TransformCallback } from 'node:stream';
import { reserveBuffers } from '../system/buffer-governor.ts';

// Compresses one block into one complete frame (zstd) or member (gzip), off the main thread. The block's memory is
// reused for a later block once the promise settles: it must not be kept.
export type BlockCompress = (block: Buffer) => Promise<Buffer>;

// Compression on several cores: the input cut into blocks, each compressed on its own as a complete frame or
// member on libuv's thread pool, written out in order. Concatenated frames are one valid zstd file (RFC 8878 §3)
// and concatenated members one valid gzip file (RFC 1952 §2.2): `zstd -d`, `gzip -d`, `tar --zstd -xf`,
// `tar xzf` and zlib read them as the whole input. At most `parallel` blocks are in flight, in `parallel` block
// buffers made once and reused (the next block is filled only once the oldest is written out): memory stays flat,
// and a db's worth of 1 MiB blocks is not left for the garbage collector.
export const parallelBlocks = (compress: BlockCompress, blockBytes: number, parallel: number): Transform => {
  const inFlight: { job: Promise<Buffer>; memory: Buffer }[] = [];
  const spare: Buffer[] = [];
  // One reservation per block buffer made: held on purpose until the stream ends, not garbage for the buffer
  // governor to chase.
  const reserved: Disposable[] = [];
  let current: Buffer | undefined;
  let filled = 0;
  let blocks = 0;

  const blockMemory = (): Buffer => {
    const reused = spare.pop();
    if (reused) return reused;
    reserved.push(reserveBuffers(blockBytes));
    return Buffer.allocUnsafeSlow(blockBytes);
  };

  const startBlock = (): void => {
    blocks++;
    const memory = current ?? blockMemory();
    const job = compress(memory.subarray(0, filled));
    job.catch(() => undefined);
    inFlight.push({ job, memory });
    current = undefined;
    filled = 0;
  };

  // The oldest block's output, its memory back among the spares.
  const finishOldest = async (): Promise<Buffer> => {
    const { job, memory } = inFlight.shift() as { job: Promise<Buffer>; memory: Buffer };
    const out = await job;
    spare.push(memory);
    return out;
  };

  const release = (): void => {
    for (const reservation of reserved.splice(0)) reservation[Symbol.dispose]();
  };

  return new Transform({
    highWaterMark: blockBytes,
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let offset = 0;
      const step = async (): Promise<void> => {
        while (offset < chunk.length) {
          current ??= blockMemory();
          const copied = chunk.copy(current, filled, offset, Math.min(chunk.length, offset + blockBytes - filled));
          filled += copied;
          offset += copied;
          if (filled === blockBytes) {
            startBlock();
            // Writes out finished blocks, oldest first, until fewer than `parallel` are in flight.
            while (inFlight.length >= parallel) this.push(await finishOldest());
          }
        }
      };
      step().then(() => done(), done);
    },
    flush(done: TransformCallback) {
      // An empty input still makes a valid (empty) file.
      if (filled > 0 || blocks === 0) startBlock();
      const step = async (): Promise<void> => {
        while (inFlight.length > 0) this.push(await finishOldest());
        release();
      };
      step().then(() => done(), done);
    },
    destroy(error, done) {
      release();
      done(error);
    },
  });
};
