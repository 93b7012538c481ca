import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

// A pass-through stage that hashes (SHA-256) and counts what flows through it, for one pipeline.
export const hashingStream = (): { stream: Transform; result(): { sha256: string; bytes: number } } => {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), bytes }) };
};
