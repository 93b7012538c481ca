import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { governBuffers, reserveBuffers } from '../../src/system/buffer-governor.ts';

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
  t.ok(after - before < 8 * MIB, `${((after - before) / MIB).toFixed(1)} MiB of buffers left after they were dropped`);
});

t.test('buffers reserved on purpose (an upload\'s part buffers) do not set off collections; unreserved ones do', async (t) => {
  // Collections V8 runs while 24 MiB stay held for 400 ms and nothing else is allocated.
  const { PerformanceObserver } = await import('node:perf_hooks');
  const collectionsWhile = async (reserve: boolean): Promise<number> =>
    governBuffers(async () => {
      const held = Array.from({ length: 24 }, () => Buffer.alloc(MIB, 1));
      const reservation = reserve ? reserveBuffers(held.length * MIB) : undefined;
      let seen = 0;
      const observer = new PerformanceObserver((list) => void (seen += list.getEntries().length));
      observer.observe({ entryTypes: ['gc'] });
      await sleep(400);
      observer.disconnect();
      reservation?.[Symbol.dispose]();
      t.equal(held.every((b) => b[0] === 1), true);
      return seen;
    });
  // Reserved first: the unreserved run's buffers, once dropped, would be loose memory the governor collects.
  const reserved = await collectionsWhile(true);
  const unreserved = await collectionsWhile(false);
  t.ok(unreserved >= 5, `${unreserved} collections while 24 MiB were held unreserved`);
  t.ok(reserved <= 2, `${reserved} collections while the same 24 MiB were reserved`);
});
