import { Duplex } from 'node:stream';
import { Decrypter, Encrypter } from 'age-encryption';
import { AgentError, UsageError } from '../errors/agent-error.ts';
import { identityKey, parseRecipients } from './age-keys.ts';

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

const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));

// A byte-mode Duplex around the library's web streams: what is written is `convert`'s input, what it
// resolves to is read out, one chunk at a time (nothing buffered beyond a chunk or two each side).
// Destroying it (as pipeline does on any error) aborts both sides; `explain` words the failures.
const bridge = (convert: (input: ReadableStream<Uint8Array>) => Promise<ReadableStream<Uint8Array>>, explain: (error: unknown) => unknown): Duplex => {
  const { readable: input, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const output = convert(input);
  output.catch(() => undefined); // reported by pull when read; never an unhandled rejection
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          reader ??= (await output).getReader();
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(asBuffer(next.value));
        } catch (error) {
          throw explain(error);
        }
      },
      async cancel(reason) {
        await (reader ?? (await output.catch(() => undefined)))?.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return Duplex.fromWeb({ readable, writable });
};

// Streams plaintext in, age ciphertext out (64 KiB ChaCha20-Poly1305 chunks), to every recipient
// (age1… X25519 public keys). Throws UsageError at once on a bad or empty recipient list.
export const encryptStream = (recipients: string[]): Duplex => {
  const checked = parseRecipients(recipients.join('\n'));
  if (checked.length === 0) throw new UsageError('encryption-recipients is empty: there is no age public key to encrypt to');
  const encrypter = new Encrypter();
  for (const recipient of checked) encrypter.addRecipient(recipient);
  return bridge(
    (input) => encrypter.encrypt(input),
    (error) => error,
  );
};

// What the source did, so its own errors (and this module's) pass through unchanged.
interface Watch {
  failure: unknown;
  headerRead: boolean;
}

// The source checked as it is handed over: the age magic first, then a bound on the header's size.
const guarded = async function* (source: AsyncIterable<Uint8Array>, watch: Watch): AsyncGenerator<Uint8Array> {
  try {
    let head: Buffer | undefined = Buffer.alloc(0);
    let pulled = 0;
    for await (const raw of source) {
      let chunk = asBuffer(raw);
      if (!watch.headerRead && pulled > MAX_HEADER_BYTES) throw new AgentError(`cannot decrypt the archive: its age header is damaged (${MAX_HEADER_BYTES} bytes without its end)`);
      pulled += chunk.length;
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length < MAGIC.length) continue;
        if (!isAgeEncrypted(head)) throw new AgentError(`cannot decrypt the archive: ${NOT_AGE}`);
        [chunk, head] = [head, undefined];
      }
      yield chunk;
    }
    if (head !== undefined && !isAgeEncrypted(head)) throw new AgentError(`cannot decrypt the archive: ${head.length === 0 ? 'it is empty' : NOT_AGE}`);
    if (head !== undefined) yield head;
  } catch (error) {
    watch.failure = error;
    throw error;
  }
};

// The operator's message for a failure of the library; never holds a key (the library's own reasons hold none).
const explain = (error: unknown, watch: Watch): unknown => {
  if (watch.failure !== undefined && error === watch.failure) return error;
  const reason = error instanceof Error ? error.message : String(error);
  if (!watch.headerRead && /no identity matched/i.test(reason)) return new AgentError(WRONG_IDENTITY);
  if (!watch.headerRead) return new AgentError(`cannot decrypt the archive: its age header is damaged or truncated (${reason})`);
  return new AgentError(`cannot decrypt the archive: it is damaged or truncated, its encrypted data failed authentication (${reason}); nothing read from it can be trusted`);
};

// Streams age ciphertext in, plaintext out, with an identity (AGE-SECRET-KEY-1…, alone or as an
// age-keygen key file). Each 64 KiB chunk is authenticated before it is passed on, and the end is
// checked at the end: a consumer must treat an error there as the whole archive failing. Throws
// UsageError at once on an invalid identity; the stream fails with AgentError on a wrong identity,
// a damaged or truncated file, or input that is not age. No message ever holds the identity.
export const decryptStream = (identity: string): Duplex => {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identityKey(identity));
  const watch: Watch = { failure: undefined, headerRead: false };
  return bridge(
    async (input) => {
      const plaintext = await decrypter.decrypt(ReadableStream.from(guarded(input.values({ preventCancel: true }), watch)));
      watch.headerRead = true;
      return plaintext;
    },
    (error) => explain(error, watch),
  );
};
