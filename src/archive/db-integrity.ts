import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

const HASH_SIZE = 32;

// What a streamed check of a snapshot db found.
export interface DbIntegrity {
  // false for a raw copy of member/snap/db, which carries no appended hash.
  hasHash: boolean;
  // the appended SHA-256 matches the contents (always false when hasHash is false).
  ok: boolean;
  bytes: number;
  // SHA-256 of the whole file.
  sha256: string;
}

// Checks the SHA-256 etcd appends to every snapshot it streams, reading the file once.
export const checkDbIntegrity = async (path: string): Promise<DbIntegrity> => {
  const { size } = await stat(path);
  const hasHash = size > HASH_SIZE && size % 512 === HASH_SIZE;
  const body = createHash('sha256');
  const whole = createHash('sha256');
  const tail = Buffer.alloc(HASH_SIZE);
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const bodyEnd = size - HASH_SIZE;
    const inBody = Math.max(0, Math.min(chunk.length, bodyEnd - offset));
    if (inBody > 0) body.update(chunk.subarray(0, inBody));
    if (inBody < chunk.length) chunk.copy(tail, offset + inBody - bodyEnd, inBody);
    offset += chunk.length;
  }
  const ok = hasHash && body.digest().equals(tail);
  return { hasHash, ok, bytes: size, sha256: whole.digest('hex') };
};
