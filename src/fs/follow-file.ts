import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

// How long to wait before looking again at a file that has not grown.
const POLL_MS = 5;
const READ_BYTES = 1 << 20;

// Why a followed file could not be read as the writer wrote it: the caller reads the finished file instead.
export class NotFollowed extends Error {}

// Reads `growing`, a file another process is writing from start to end (as `etcdctl snapshot save` writes
// `<file>.part`), while it grows, and ends once `done` has resolved and everything written has been read.
// `finished` is where the writer puts the file when done (a rename): it must be the very file that was read,
// with exactly as many bytes as were read, or NotFollowed is thrown. A rejection of `done` is rethrown.
// Every chunk is a view of one buffer, reused for the next read: it holds its bytes only until the next chunk is
// asked for, so a consumer copies what it keeps. A db's worth of reads makes no garbage (each fresh 1 MiB read was
// a page-faulted mmap, then a Buffer for the collector to chase).
export const followFile = async function* (growing: string, finished: string, done: Promise<unknown>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let writerDone = false;
  let failure: { error: unknown } | undefined;
  const settled = done.then(
    () => {
      writerDone = true;
    },
    (error: unknown) => {
      writerDone = true;
      failure = { error };
    },
  );
  const wait = (): Promise<unknown> => Promise.race([settled, sleep(POLL_MS, undefined, { signal })]);
  let handle: FileHandle | undefined;
  try {
    // The file appears when the writer creates it; a writer that is done before that did not write it.
    while (handle === undefined) {
      handle = await open(growing, 'r').catch(() => undefined);
      if (handle === undefined) {
        if (writerDone) {
          if (failure) throw failure.error;
          throw new NotFollowed(`${growing} never appeared`);
        }
        await wait();
      }
    }
    const { ino, dev } = await handle.stat();
    let position = 0;
    const buffer = Buffer.allocUnsafeSlow(READ_BYTES);
    for (;;) {
      // Read the writer's state before reading: when it was done before a read that finds nothing, nothing more comes.
      const wasDone = writerDone;
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
        continue;
      }
      if (wasDone) break;
      await wait();
    }
    if (failure) throw failure.error;
    const final = await stat(finished).catch(() => undefined);
    if (final?.ino !== ino || final.dev !== dev) throw new NotFollowed(`${finished} is not the file written as ${growing}`);
    if (final.size !== position) throw new NotFollowed(`${finished} holds ${final.size} bytes, ${position} were read as it was written`);
  } finally {
    await handle?.close();
  }
};
