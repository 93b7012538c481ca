import { Transform, type Duplex, type TransformCallback } from 'node:stream';
import { AgentError, UsageError } from '../errors/agent-error.ts';
import { randomBytes } from 'node:crypto';
import { AgeHeaderError, readAgeHeader, writeAgeHeader } from './age-header.ts';
import { identitySecret, parseRecipients, recipientKey } from './age-keys.ts';
import { CHUNK_BYTES, NONCE_BYTES, openChunk, payloadKey, sealChunk, TAG_BYTES } from './age-payload.ts';

// The key checks, offered here too so callers need one import (they live in age-keys.ts).
export { checkIdentity, parseRecipients } from './age-keys.ts';

const MAGIC = Buffer.from('age-encryption.org/v1\n');
// An age header is a few hundred bytes per recipient: past this much without a parsed header, the
// input is not age (this bounds what the header parser may buffer while looking for line ends).
const MAX_HEADER_BYTES = 1 << 20;

const NOT_AGE = 'it is not an age-encrypted file (no "age-encryption.org/v1" header)';
const WRONG_IDENTITY =
  'the identity does not match any recipient of this archive: it was encrypted to other age public keys (encryption-recipients), so use the identity of one of those (or its header is damaged)';

// Whether the first bytes of a file are an age header: "age-encryption.org/v1", then "\n" if head holds 22 bytes or more.
export const isAgeEncrypted = (head: Buffer): boolean => {
  const compared = Math.min(head.length, MAGIC.length);
  return compared >= MAGIC.length - 1 && head.subarray(0, compared).equals(MAGIC.subarray(0, compared));
};

// Bytes held until a whole chunk (and the sign of more input after it) has arrived.
class Held {
  parts: Buffer[] = [];
  bytes = 0;

  add(chunk: Buffer): void {
    this.parts.push(chunk);
    this.bytes += chunk.length;
  }

  // The first n bytes, removed.
  take(n: number): Buffer {
    const all = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.bytes);
    this.parts = all.length > n ? [all.subarray(n)] : [];
    this.bytes = all.length - Math.min(n, all.length);
    return all.subarray(0, n);
  }
}

// Streams plaintext in, age ciphertext out, to every recipient (age1… X25519 public keys). The header is
// age-header.ts's (it wraps a fresh file key for each recipient and MACs the header); the 64 KiB payload chunks are
// sealed by age-payload.ts. Throws UsageError at once on a bad or empty recipient list.
export const encryptStream = (recipients: string[]): Duplex => {
  const checked = parseRecipients(recipients.join('\n'));
  if (checked.length === 0) throw new UsageError('encryption-recipients is empty: there is no age public key to encrypt to');
  const keys = checked.map(recipientKey);
  const held = new Held();
  let key: Buffer | undefined;
  let counter = 0;
  // The header and the payload's nonce, pushed before the first chunk; the payload key they give.
  const header = async (stream: Transform): Promise<Buffer> => {
    let written: ReturnType<typeof writeAgeHeader>;
    try {
      written = writeAgeHeader(keys);
    } catch (error) {
      if (error instanceof AgeHeaderError) throw new UsageError(`encryption-recipients: ${error.message}; use keys that age-keygen made`);
      throw error;
    }
    const nonce = randomBytes(NONCE_BYTES);
    stream.push(Buffer.concat([written.header, nonce]));
    return payloadKey(written.fileKey, nonce);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const step = async (): Promise<void> => {
        key ??= await header(this);
        held.add(chunk);
        while (held.bytes > CHUNK_BYTES) for (const part of sealChunk(key, counter++, false, held.take(CHUNK_BYTES))) this.push(part);
      };
      step().then(() => done(), done);
    },
    flush(done: TransformCallback) {
      const step = async (): Promise<void> => {
        key ??= await header(this);
        for (const part of sealChunk(key, counter++, true, held.take(held.bytes))) this.push(part);
      };
      step().then(() => done(), done);
    },
  });
};

// Where the header ends ("--- <MAC>\n" closes it), or -1 while it has not arrived.
const headerEnd = (bytes: Buffer): number => {
  const footer = bytes.indexOf('\n--- ');
  if (footer < 0) return -1;
  const end = bytes.indexOf('\n', footer + 5);
  return end < 0 ? -1 : end + 1;
};

// The operator's message for a header that could not be read; never holds a key (AgeHeaderError's reasons hold none).
const explainHeader = (error: unknown): AgentError => {
  if (error instanceof AgeHeaderError && error.noMatch) return new AgentError(WRONG_IDENTITY);
  const reason = error instanceof Error ? error.message : String(error);
  return new AgentError(`cannot decrypt the archive: its age header is damaged or truncated (${reason})`);
};

const damaged = (reason: string): AgentError =>
  new AgentError(`cannot decrypt the archive: it is damaged or truncated, its encrypted data failed authentication (${reason}); nothing read from it can be trusted`);

// Streams age ciphertext in, plaintext out, with an identity (AGE-SECRET-KEY-1…, alone or as an
// age-keygen key file). age-header.ts checks the header and unwraps the file key; each 64 KiB chunk is
// authenticated before it is passed on, and the end is checked at the end: a consumer must treat an
// error there as the whole archive failing. Throws UsageError at once on an invalid identity; the stream
// fails with AgentError on a wrong identity, a damaged or truncated file, or input that is not age.
// No message ever holds the identity.
export const decryptStream = (identity: string): Duplex => {
  const secret = identitySecret(identity);
  const held = new Held();
  let key: Buffer | undefined;
  let counter = 0;
  let sealed = 0;
  // Reads the header and nonce once they have arrived; false while they have not.
  const readHeader = async (): Promise<boolean> => {
    const head = held.take(held.bytes);
    held.add(head);
    if (head.length >= MAGIC.length && !isAgeEncrypted(head)) throw new AgentError(`cannot decrypt the archive: ${NOT_AGE}`);
    const end = headerEnd(head);
    if (end < 0 || head.length < end + NONCE_BYTES) {
      if (head.length > MAX_HEADER_BYTES) throw new AgentError(`cannot decrypt the archive: its age header is damaged (${MAX_HEADER_BYTES} bytes without its end)`);
      return false;
    }
    let fileKey: Buffer;
    try {
      fileKey = readAgeHeader(head.subarray(0, end), secret);
    } catch (error) {
      throw explainHeader(error);
    }
    held.take(end);
    key = payloadKey(fileKey, held.take(NONCE_BYTES));
    return true;
  };
  const open = (last: boolean, bytes: Buffer): Buffer => {
    try {
      sealed++;
      return openChunk(key as Buffer, counter++, last, bytes);
    } catch (error) {
      throw damaged(error instanceof Error ? error.message : String(error));
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const step = async (): Promise<void> => {
        held.add(chunk);
        if (key === undefined && !(await readHeader())) return;
        while (held.bytes > CHUNK_BYTES + TAG_BYTES) this.push(open(false, held.take(CHUNK_BYTES + TAG_BYTES)));
      };
      step().then(() => done(), done);
    },
    flush(done: TransformCallback) {
      const step = async (): Promise<void> => {
        if (key === undefined && !(await readHeader())) {
          throw held.bytes === 0 ? new AgentError('cannot decrypt the archive: it is empty') : new AgentError('cannot decrypt the archive: its age header is damaged or truncated (it ends inside the header)');
        }
        if (held.bytes < TAG_BYTES) throw damaged('it ends inside a chunk');
        const last = open(true, held.take(held.bytes));
        if (last.length === 0 && sealed > 1) throw damaged('the final chunk is empty');
        this.push(last);
      };
      step().then(() => done(), done);
    },
  });
};
