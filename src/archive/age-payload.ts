import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

// age's payload (age-encryption.org/v1, "STREAM"): the plaintext in 64 KiB chunks, each sealed with
// ChaCha20-Poly1305 under HKDF-SHA256(file key, salt = the 16-byte nonce, info "payload"), its 12-byte
// nonce an 11-byte big-endian chunk counter and a last-chunk flag. The header (recipients, file key, MAC)
// is the age-encryption library's; only this bulk part runs on Node's own (OpenSSL) ChaCha20-Poly1305,
// some twenty times faster than the library's JavaScript one.
export const CHUNK_BYTES = 64 * 1024;
export const TAG_BYTES = 16;
export const NONCE_BYTES = 16;

// The payload key for a file key and the nonce that follows the header.
export const payloadKey = (fileKey: Uint8Array, nonce: Uint8Array): Buffer => Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));

const chunkNonce = (counter: number, last: boolean): Buffer => {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
};

// ChaCha20-Poly1305 with a 12-byte nonce: the ciphertext and its tag, which go out in that order. Kept apart, a
// 64 KiB chunk is not copied once more into a third buffer.
export const sealParts = (key: Buffer, nonce: Buffer, plaintext: Buffer): [Buffer, Buffer] => {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  const body = cipher.update(plaintext);
  cipher.final();
  return [body, cipher.getAuthTag()];
};

// The ciphertext, then its tag, in one buffer. age-header.ts seals the file key with it.
export const seal = (key: Buffer, nonce: Buffer, plaintext: Buffer): Buffer => Buffer.concat(sealParts(key, nonce, plaintext));

// The plaintext of what seal made; throws when it fails authentication.
export const open = (key: Buffer, nonce: Buffer, sealed: Buffer): Buffer => {
  if (sealed.length < TAG_BYTES) throw new Error('chunk shorter than its authentication tag');
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  decipher.final();
  return body;
};

// Seals chunk number `counter` (at most CHUNK_BYTES of plaintext): its ciphertext, then its tag.
export const sealChunk = (key: Buffer, counter: number, last: boolean, plaintext: Buffer): [Buffer, Buffer] => sealParts(key, chunkNonce(counter, last), plaintext);

// Opens chunk number `counter` (its ciphertext and tag); throws when it fails authentication.
export const openChunk = (key: Buffer, counter: number, last: boolean, sealed: Buffer): Buffer => open(key, chunkNonce(counter, last), sealed);
