// age-header.ts against the age-encryption library, the reference implementation: each reads the other's headers
// (the library with post-quantum recipients beside ours too), and damaged headers fail with their own reason.
import t from 'tap';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Decrypter, Encrypter, generateHybridIdentity, generateIdentity, identityToRecipient } from 'age-encryption';
import { decryptStream, encryptStream } from '../../src/archive/age-encryption.ts';
import { readAgeHeader, writeAgeHeader } from '../../src/archive/age-header.ts';
import { identitySecret, recipientKey } from '../../src/archive/age-keys.ts';

const keyPair = async (): Promise<{ identity: string; recipient: string }> => {
  const identity = await generateIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
};
const alice = await keyPair();
const bob = await keyPair();
const plaintext = Buffer.from('etcd snapshot bytes '.repeat(5000));

const ours = async (recipients: string[]): Promise<Buffer> => {
  const out: Buffer[] = [];
  await pipeline(Readable.from([plaintext]), encryptStream(recipients), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
};
const decrypted = async (cipher: Buffer, identity: string): Promise<Buffer> => buffer(Readable.from([cipher]).pipe(decryptStream(identity)));
const headerOf = (cipher: Buffer): Buffer => cipher.subarray(0, cipher.indexOf('\n', cipher.indexOf('\n--- ') + 1) + 1);

t.test('the library decrypts what encryptStream writes, for each of two recipients', async (t) => {
  const cipher = await ours([alice.recipient, bob.recipient]);
  for (const who of [alice, bob]) {
    const decrypter = new Decrypter();
    decrypter.addIdentity(who.identity);
    t.strictSame(Buffer.from(await decrypter.decrypt(cipher)), plaintext);
  }
});

t.test('decryptStream reads what the library writes, skipping the stanzas of post-quantum recipients', async (t) => {
  const hybrid = await identityToRecipient(await generateHybridIdentity());
  const encrypter = new Encrypter();
  encrypter.addRecipient(alice.recipient);
  encrypter.addRecipient(bob.recipient);
  const cipher = Buffer.from(await encrypter.encrypt(plaintext));
  t.strictSame(await decrypted(cipher, bob.identity), plaintext);
  // A post-quantum stanza first: its body runs over many 64-column lines.
  const mixed = new Encrypter();
  mixed.addRecipient(hybrid);
  mixed.addRecipient(alice.recipient);
  const mixedCipher = Buffer.from(await mixed.encrypt(plaintext));
  t.ok(mixedCipher.toString('latin1').startsWith('age-encryption.org/v1\n-> mlkem768x25519 '), 'the post-quantum stanza comes first');
  t.strictSame(await decrypted(mixedCipher, alice.identity), plaintext);
  const onlyHybrid = new Encrypter();
  onlyHybrid.addRecipient(hybrid);
  t.strictSame(await decrypted(Buffer.from(await onlyHybrid.encrypt(plaintext)), alice.identity).catch((e: Error) => e.message),
    'the identity does not match any recipient of this archive: it was encrypted to other age public keys (encryption-recipients), so use the identity of one of those (or its header is damaged)');
});

t.test('readAgeHeader gives back the file key writeAgeHeader sealed, to each recipient and no one else', async (t) => {
  const { header, fileKey } = writeAgeHeader([recipientKey(alice.recipient), recipientKey(bob.recipient)]);
  t.equal(fileKey.length, 16);
  t.strictSame(readAgeHeader(header, identitySecret(alice.identity)), fileKey);
  t.strictSame(readAgeHeader(header, identitySecret(bob.identity)), fileKey);
  const stranger = await generateIdentity();
  t.throws(() => readAgeHeader(header, identitySecret(stranger)), { name: 'AgeHeaderError', message: 'no recipient stanza is for this identity', noMatch: true });
  t.equal(header.toString('latin1').split('\n').length, 1 + 2 * 2 + 1 + 1, 'version line, two lines per stanza, the MAC line and its line end');
});

t.test('a damaged header fails with what is wrong with it', async (t) => {
  const cipher = await ours([alice.recipient]);
  const header = headerOf(cipher);
  const text = header.toString('latin1');
  const share = /^-> X25519 (\S+)$/m.exec(text)![1]!;
  const damaged = (replaced: string): Buffer => Buffer.concat([Buffer.from(replaced, 'latin1'), cipher.subarray(header.length)]);
  const cases: [string, string, string][] = [
    ['a low-order share (all zeros)', text.replace(share, Buffer.alloc(32).toString('base64').replace(/=+$/, '')), 'the share of an X25519 stanza is a low-order X25519 point, which no real key is'],
    ['a share that is not canonical base64', text.replace(share, `${share.slice(0, -1)}${share.at(-1) === 'B' ? 'C' : 'B'}`), 'an X25519 share is not canonical unpadded base64'],
    ['a different MAC', text.replace(/^--- (\S)/m, (_m, c: string) => `--- ${c === 'A' ? 'B' : 'A'}`), 'its MAC does not match'],
    ['a stanza with two arguments', text.replace(`X25519 ${share}`, `X25519 ${share} extra`), 'an X25519 stanza has 2 arguments, not 1'],
    ['no stanza', text.replace(/^-> .*\n.*\n/m, ''), 'it has no recipient stanza'],
  ];
  for (const [what, replaced, reason] of cases) {
    t.not(replaced, text, `${what}: the header changed`);
    const error = await decrypted(damaged(replaced), alice.identity).catch((e: Error) => e);
    t.strictSame(error instanceof Error ? { name: error.name, message: error.message } : error, { name: 'AgentError', message: `cannot decrypt the archive: its age header is damaged or truncated (${reason})` }, what);
  }
});
