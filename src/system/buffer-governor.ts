import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Node frees a Buffer's memory only once V8 collects the small object that holds it, and a stream of large chunks
// makes too few objects for V8 to collect them in time: reading a 1 GiB db would keep hundreds of MiB of dead
// chunks resident. While streaming work runs, this asks V8 for a minor collection (about a millisecond) whenever
// more than LIMIT of Buffer memory is held, so the agent's memory stays flat whatever the size of the db.
const LIMIT = 8 * 2 ** 20;
const EVERY_MS = 20;
// A major collection at most this often.
const MAJOR_EVERY_MS = 200;

type Gc = (options?: { type: 'minor' | 'major' }) => void;

let gc: Gc | undefined | null;
const collector = (): Gc | undefined => {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  }
  return gc ?? undefined;
};

let active = 0;
let timer: NodeJS.Timeout | undefined;
// Buffer memory held on purpose for a while (an upload's part buffers, reused from part to part): not garbage, so
// not counted against LIMIT.
let reserved = 0;

// Says that bytes of Buffers stay held until the returned handle is disposed.
export const reserveBuffers = (bytes: number): Disposable => {
  reserved += bytes;
  let held = true;
  return {
    [Symbol.dispose]: () => {
      if (held) reserved -= bytes;
      held = false;
    },
  };
};

// Buffer memory beyond what is reserved: what a collection could free.
const loose = (): number => process.memoryUsage().arrayBuffers - reserved;

// Runs work with the governor on (calls may nest); without a collector it just runs work.
export const governBuffers = async <T>(work: () => Promise<T>): Promise<T> => {
  const collect = collector();
  if (collect && active++ === 0) {
    let lastMajor = 0;
    timer = setInterval(() => {
      if (loose() <= LIMIT) return;
      collect({ type: 'minor' });
      // Buffers that outlived two minor collections (a part waiting for S3, a block waiting for the pool) sit in
      // the old generation, which only a major collection frees; V8 starts one late, when external memory has
      // grown by 64 MiB. With a heap of about 20 MiB one takes a few milliseconds.
      if (loose() > LIMIT && Date.now() - lastMajor >= MAJOR_EVERY_MS) {
        collect({ type: 'major' });
        lastMajor = Date.now();
      }
    }, EVERY_MS);
    timer.unref();
  }
  try {
    return await work();
  } finally {
    if (collect && --active === 0) clearInterval(timer);
  }
};
