import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { governBuffers } from '../../src/system/buffer-governor.ts';

const MIB = 2 ** 20;

t.test('buffers that outlived minor collections are given back once dropped, not when V8 gets round to it', async (t) => {
  const before = process.memoryUsage().arrayBuffers;
  const after = await governBuffers(async () => {
    // 48 MiB held across the governor's minor collections: they are promoted to the old generation.
    const held: Buffer[] = Array.from({ length: 48 }, () => Buffer.alloc(MIB, 1));
    await sleep(300);
    const holding = process.memoryUsage().arrayBuffers - before;
    t.ok(holding >= 40 * MIB && held.every((b) => b[0] === 1), `${(holding / MIB).toFixed(1)} MiB of buffers held`);
    held.length = 0;
    await sleep(800);
    return process.memoryUsage().arrayBuffers;
  });
  t.ok(after - before < 16 * MIB, `${((after - before) / MIB).toFixed(1)} MiB of buffers left after they were dropped`);
});
