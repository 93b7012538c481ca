import { createReadStream } from 'node:fs';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Meter } from './progress-meter.ts';

// A file's bytes as a stream, each chunk counted on meter as it is read (the chunks pass on as they are, no copy).
// A failure of the read or of the consumer ends both.
export const countedRead = (path: string, meter: Meter): Readable =>
  pipeline(
    createReadStream(path, { highWaterMark: 1 << 20 }),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        meter.add(chunk.length);
        done(null, chunk);
      },
    }),
    () => undefined,
  );
