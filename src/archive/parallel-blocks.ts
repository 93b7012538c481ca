import { Transform, type TransformCallback } from 'node:stream';

// Compresses one block into one complete frame (zstd) or member (gzip), off the main thread.
export type BlockCompress = (block: Buffer) => Promise<Buffer>;

// Compression on several cores: the input cut into blocks, each compressed on its own as a complete frame or
// member on libuv's thread pool, written out in order. Concatenated frames are one valid zstd file (RFC 8878 §3)
// and concatenated members one valid gzip file (RFC 1952 §2.2): `zstd -d`, `gzip -d`, `tar --zstd -xf`,
// `tar xzf` and zlib read them as the whole input. At most `parallel` blocks are in flight: memory stays flat.
export const parallelBlocks = (compress: BlockCompress, blockBytes: number, parallel: number): Transform => {
  const inFlight: Promise<Buffer>[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let blocks = 0;

  const startBlock = (): void => {
    blocks++;
    const block = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const job = compress(block);
    job.catch(() => undefined);
    inFlight.push(job);
  };

  return new Transform({
    highWaterMark: blockBytes,
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let rest = chunk;
      const step = async (): Promise<void> => {
        while (rest.length > 0) {
          const take = Math.min(rest.length, blockBytes - pendingBytes);
          pending.push(rest.subarray(0, take));
          pendingBytes += take;
          rest = rest.subarray(take);
          if (pendingBytes === blockBytes) {
            startBlock();
            // Writes out finished blocks, oldest first, until fewer than `parallel` are in flight.
            while (inFlight.length >= parallel) this.push(await (inFlight.shift() as Promise<Buffer>));
          }
        }
      };
      step().then(() => done(), done);
    },
    flush(done: TransformCallback) {
      // An empty input still makes a valid (empty) file.
      if (pendingBytes > 0 || blocks === 0) startBlock();
      const step = async (): Promise<void> => {
        while (inFlight.length > 0) this.push(await (inFlight.shift() as Promise<Buffer>));
      };
      step().then(() => done(), done);
    },
  });
};
