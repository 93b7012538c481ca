import { createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { open, seal, TAG_BYTES } from './age-payload.ts';

// The header of an age file (age-encryption.org/v1) for X25519 recipients and identities, on Node's own (OpenSSL)
// X25519, HKDF-SHA256, ChaCha20-Poly1305 and HMAC-SHA256:
//
//   age-encryption.org/v1
//   -> X25519 <ephemeral share, base64>
//   <the 16-byte file key sealed to that recipient, base64>
//   --- <HMAC-SHA256 of the header up to "---", base64>
//
// The age-encryption library does the same for every kind of recipient, and loading it with its post-quantum and
// NIST curves took 12 MiB of RSS; only X25519 keys are accepted here (age-keys.ts), so only X25519 is done. The
// library stays the reference the tests check this against, beside the age CLI.

const FILE_KEY_BYTES = 16;
const VERSION_LINE = 'age-encryption.org/v1';
const X25519_INFO = 'age-encryption.org/v1/X25519';
const KEY_BYTES = 32;
const COLUMNS = 64;
// The DER prefixes of an X25519 private key (PKCS #8) and public key (SPKI) that end with the raw 32 bytes.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const ZERO_NONCE = Buffer.alloc(12);

// Why a header could not be read; the caller words it for the operator. Never holds a key.
export class AgeHeaderError extends Error {
  override readonly name: string = 'AgeHeaderError';
  // true: the header is sound but no stanza is for this identity.
  readonly noMatch: boolean;

  constructor(message: string, noMatch = false) {
    super(message);
    this.noMatch = noMatch;
  }
}

const encode = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

// Canonical unpadded base64 only, as age requires.
const decode = (text: string, what: string): Buffer => {
  const bytes = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]*$/.test(text) || encode(bytes) !== text) throw new AgeHeaderError(`${what} is not canonical unpadded base64`);
  return bytes;
};

const publicKey = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
const privateKey = (raw: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
const rawPublic = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);

// The key that seals the file key to one recipient: HKDF-SHA256 of the shared secret, salted with the ephemeral
// share and the recipient's public key.
const wrapKey = (shared: Buffer, share: Buffer, recipient: Uint8Array): Buffer =>
  Buffer.from(hkdfSync('sha256', shared, Buffer.concat([share, recipient]), X25519_INFO, KEY_BYTES));

// The file key, or undefined when the body was not sealed with key.
const unseal = (key: Buffer, sealed: Buffer): Buffer | undefined => {
  try {
    return open(key, ZERO_NONCE, sealed);
  } catch {
    return undefined;
  }
};

const headerMac = (fileKey: Buffer, unmacced: Buffer): Buffer =>
  createHmac('sha256', Buffer.from(hkdfSync('sha256', fileKey, Buffer.alloc(0), 'header', KEY_BYTES))).update(unmacced).digest();

// The shared secret of a private key and a public one (what names the public one in an error); an all-zero
// secret, from a low-order public key, is refused, as age requires.
const agree = (secret: KeyObject, other: Uint8Array, what: string): Buffer => {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: secret, publicKey: publicKey(other) });
  } catch {
    throw new AgeHeaderError(`${what} is a low-order X25519 point, which no real key is`);
  }
  if (shared.every((b) => b === 0)) throw new AgeHeaderError(`${what} is a low-order X25519 point, which no real key is`);
  return shared;
};

// A fresh file key and the header that gives it to each recipient (32-byte X25519 public keys), MAC included.
export const writeAgeHeader = (recipients: readonly Uint8Array[]): { header: Buffer; fileKey: Buffer } => {
  const fileKey = randomBytes(FILE_KEY_BYTES);
  const lines = [VERSION_LINE];
  for (const recipient of recipients) {
    const ephemeral = generateKeyPairSync('x25519');
    const share = rawPublic(ephemeral.publicKey);
    const shared = agree(ephemeral.privateKey, recipient, 'a recipient');
    // A 32-byte body is 43 base64 characters: one line, shorter than 64 as the last line must be.
    lines.push(`-> X25519 ${encode(share)}`, encode(seal(wrapKey(shared, share, recipient), ZERO_NONCE, fileKey)));
  }
  const unmacced = Buffer.from(`${lines.join('\n')}\n---`, 'latin1');
  return { header: Buffer.concat([unmacced, Buffer.from(` ${encode(headerMac(fileKey, unmacced))}\n`, 'latin1')]), fileKey };
};

type Stanza = { args: string[]; body: Buffer };

// The stanzas and MAC of a whole header (from the version line to the MAC line's end), and the bytes the MAC covers.
const parse = (header: Buffer): { stanzas: Stanza[]; mac: Buffer; unmacced: Buffer } => {
  const text = header.toString('latin1');
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines[0] !== VERSION_LINE) throw new AgeHeaderError('it does not start with the version line and end with a line end');
  const stanzas: Stanza[] = [];
  let at = 1;
  while (lines[at]?.startsWith('-> ')) {
    const args = (lines[at] as string).slice(3).split(' ');
    if (args.some((arg) => !/^[\x21-\x7e]+$/.test(arg))) throw new AgeHeaderError(`stanza ${stanzas.length + 1} has an empty or non-printable argument`);
    at++;
    const body: string[] = [];
    for (;;) {
      const line = lines[at++];
      if (line === undefined) throw new AgeHeaderError(`it ends inside stanza ${stanzas.length + 1}`);
      if (line.length > COLUMNS) throw new AgeHeaderError(`stanza ${stanzas.length + 1} has a body line longer than ${COLUMNS} columns`);
      body.push(line);
      if (line.length < COLUMNS) break;
    }
    stanzas.push({ args, body: decode(body.join(''), `the body of stanza ${stanzas.length + 1}`) });
  }
  const footer = lines[at];
  if (footer === undefined || at !== lines.length - 1 || !footer.startsWith('--- ')) throw new AgeHeaderError('no MAC line follows the stanzas');
  if (stanzas.length === 0) throw new AgeHeaderError('it has no recipient stanza');
  const mac = decode(footer.slice(4), 'the MAC');
  if (mac.length !== 32) throw new AgeHeaderError('the MAC is not 32 bytes');
  return { stanzas, mac, unmacced: header.subarray(0, text.length - 1 - footer.length + 3) };
};

// The file key of a whole header for an X25519 identity (its 32-byte secret), once the header's MAC checks out.
// Stanzas of other kinds are skipped. Throws AgeHeaderError: noMatch when no stanza is for this identity.
export const readAgeHeader = (header: Buffer, identity: Uint8Array): Buffer => {
  const { stanzas, mac, unmacced } = parse(header);
  const secret = privateKey(identity);
  const ours = rawPublic(createPublicKey(secret));
  for (const { args, body } of stanzas) {
    if (args[0] !== 'X25519') continue;
    if (args.length !== 2) throw new AgeHeaderError(`an X25519 stanza has ${args.length - 1} arguments, not 1`);
    const share = decode(args[1] as string, 'an X25519 share');
    if (share.length !== KEY_BYTES || body.length !== FILE_KEY_BYTES + TAG_BYTES) throw new AgeHeaderError('an X25519 stanza has a share or body of the wrong length');
    const fileKey = unseal(wrapKey(agree(secret, share, 'the share of an X25519 stanza'), share, ours), body);
    if (fileKey === undefined) continue;
    const expected = headerMac(fileKey, unmacced);
    if (!timingSafeEqual(expected, mac)) throw new AgeHeaderError('its MAC does not match');
    return fileKey;
  }
  throw new AgeHeaderError('no recipient stanza is for this identity', true);
};
