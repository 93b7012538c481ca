import t from 'tap';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parallelBlocks, type BlockCompress } from '../../src/archive/parallel-blocks.ts';

// A "compression" that reads its block only when it settles, after a random delay: a block buffer handed to a new
// block before its job ended would come out with the new block's bytes.
const lateCopy = (seen: Set<ArrayBufferLike>): BlockCompress => async (block) => {
  seen.add(block.buffer);
  await sleep(Math.floor(Math.random() * 4));
  return Buffer.from(block);
};

const pieces = (data: Buffer, size: number): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
};

t.test('blocks come out whole and in order, through `parallel` block buffers reused', async (t) => {
  const data = randomBytes(40 * 1024 + 123);
  for (const chunk of [1, 700, 1024, 5000, data.length]) {
    const seen = new Set<ArrayBufferLike>();
    const out = await buffer(Readable.from(pieces(data, chunk)).pipe(parallelBlocks(lateCopy(seen), 1024, 3)));
    t.equal(Buffer.compare(out, data), 0, `chunks of ${chunk} bytes`);
    t.equal(seen.size, 3, `chunks of ${chunk} bytes: 41 blocks in 3 buffers`);
  }
});

t.test('an empty input is one empty block; an input of whole blocks has no empty block after it', async (t) => {
  const sizes: number[] = [];
  const record: BlockCompress = async (block) => (sizes.push(block.length), Buffer.from(block));
  t.equal((await buffer(Readable.from([]).pipe(parallelBlocks(record, 1024, 2)))).length, 0);
  t.strictSame(sizes, [0]);
  sizes.length = 0;
  t.equal((await buffer(Readable.from([randomBytes(3072)]).pipe(parallelBlocks(record, 1024, 2)))).length, 3072);
  t.strictSame(sizes, [1024, 1024, 1024]);
});

t.test('a block that fails fails the stream with its error', async (t) => {
  let n = 0;
  const failing: BlockCompress = async (block) => {
    if (++n === 3) throw new Error('block 3 failed');
    return Buffer.from(block);
  };
  await t.rejects(pipeline(Readable.from(pieces(randomBytes(8192), 512)), parallelBlocks(failing, 1024, 2), async function* (source) {
    for await (const _ of source) yield _;
  }), new Error('block 3 failed'));
});
