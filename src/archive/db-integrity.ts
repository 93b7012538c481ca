import { createHash, type Hash } from 'node:crypto';

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

// Checks a db as its bytes stream by, once: etcd appends the SHA-256 of everything before it to every
// snapshot it streams (the file is then 32 bytes past a multiple of 512); the whole file's SHA-256 too.
// One SHA-256 runs over the body; the whole file's is a copy of its state carried on over the last 32 bytes.
export class DbMeter {
  #body: Hash = createHash('sha256');
  #tail: Buffer = Buffer.alloc(0);
  #bytes = 0;

  // Counts the next bytes of the db.
  update(chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (chunk.length >= HASH_SIZE) {
      if (this.#tail.length > 0) this.#body.update(this.#tail);
      this.#body.update(chunk.subarray(0, chunk.length - HASH_SIZE));
      this.#tail = Buffer.from(chunk.subarray(chunk.length - HASH_SIZE));
      return;
    }
    const joined = Buffer.concat([this.#tail, chunk]);
    if (joined.length > HASH_SIZE) this.#body.update(joined.subarray(0, joined.length - HASH_SIZE));
    this.#tail = joined.subarray(Math.max(0, joined.length - HASH_SIZE));
  }

  // The verdict once every byte has been counted.
  result(): DbIntegrity {
    const bytes = this.#bytes;
    const hasHash = bytes > HASH_SIZE && bytes % 512 === HASH_SIZE;
    const sha256 = this.#body.copy().update(this.#tail).digest('hex');
    const ok = hasHash && this.#body.digest().equals(this.#tail);
    return { hasHash, ok, bytes, sha256 };
  }
}
