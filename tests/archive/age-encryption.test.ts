import t, { type Test } from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { generateHybridIdentity, generateIdentity, identityToRecipient } from 'age-encryption';
import { checkIdentity, decryptStream, encryptStream, isAgeEncrypted, parseRecipients } from '../../src/archive/age-encryption.ts';

const base = mkdtempSync(join(tmpdir(), 'age-encryption-'));
t.teardown(() => rmSync(base, { recursive: true, force: true }));
const MiB = 1 << 20;

const keyPair = async (): Promise<{ identity: string; recipient: string }> => {
  const identity = await generateIdentity();
  return { identity, recipient: await identityToRecipient(identity) };
};
const alice = await keyPair();
const bob = await keyPair();
const mallory = await keyPair();

// A generated plaintext of `total` bytes in uneven chunks, hashed as it is produced.
const plaintext = (total: number, seen = { bytes: 0, hash: createHash('sha256') }) => {
  const chunks = function* (): Generator<Buffer> {
    while (seen.bytes < total) {
      const chunk = randomBytes(Math.min(total - seen.bytes, 1 + Math.floor(Math.random() * 200_000)));
      seen.hash.update(chunk);
      seen.bytes += chunk.length;
      yield chunk;
    }
  };
  return { stream: Readable.from(chunks()), seen };
};

// A writable that only hashes, and counts what went by.
const hashSink = () => {
  const state = { bytes: 0, hash: createHash('sha256'), onFirst: (): void => undefined };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (state.bytes === 0) state.onFirst();
      state.bytes += chunk.length;
      state.hash.update(chunk);
      done();
    },
  });
  return { stream, state };
};

const encryptTo = async (file: string, recipients: string[], total: number): Promise<string> => {
  const source = plaintext(total);
  await pipeline(source.stream, encryptStream(recipients), createWriteStream(file));
  return source.seen.hash.digest('hex');
};

const decryptHash = async (input: Readable, identity: string): Promise<string> => {
  const sink = hashSink();
  await pipeline(input, decryptStream(identity), sink.stream);
  return sink.state.hash.digest('hex');
};

// A copy of bytes with the byte at `at` (negative: from the end) flipped.
const flip = (bytes: Buffer, at: number): Buffer => {
  const copy = Buffer.from(bytes);
  const index = at < 0 ? copy.length + at : at;
  copy[index] = copy[index]! ^ 0x01;
  return copy;
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// Changes one base64 character of the header into another base64 character, so the header still parses and only
// the key material is wrong (an XOR could turn 'A' into '@', which the parser refuses as a damaged header).
const flipBase64 = (bytes: Buffer, at: number): Buffer => {
  const copy = Buffer.from(bytes);
  const char = String.fromCharCode(copy[at]!);
  if (!BASE64.includes(char)) throw new Error(`byte ${at} of the header is ${JSON.stringify(char)}, not base64`);
  copy[at] = BASE64.charCodeAt((BASE64.indexOf(char) + 1) % BASE64.length);
  return copy;
};

const failure = async (work: Promise<unknown>): Promise<Error> => {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
};

// Neither the identity nor its key material appears anywhere in the error, cause chain included.
const holdsNoSecret = (t: Test, error: unknown, identity: string): void => {
  const shown = inspect(error, { depth: 20 }).toLowerCase();
  t.notOk(shown.includes(identity.toLowerCase().slice('age-secret-key-1'.length, 40)), 'no part of the identity in the error');
};

const cipherFile = join(base, 'plain-8m.age');
const cipherHash = await encryptTo(cipherFile, [alice.recipient], 8 * MiB + 12345);

t.test('a multi-MB stream round-trips, and both ways stream rather than buffer', async (t) => {
  const source = plaintext(24 * MiB + 7);
  const sink = hashSink();
  let readAtFirstOutput = -1;
  const file = join(base, 'round-trip.age');
  const tee = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (readAtFirstOutput < 0) readAtFirstOutput = source.seen.bytes;
      out.write(chunk, done);
    },
    final(done) {
      out.end(done);
    },
  });
  const out = createWriteStream(file);
  await pipeline(source.stream, encryptStream([alice.recipient]), tee);
  t.ok(readAtFirstOutput > 0 && readAtFirstOutput < 4 * MiB, `ciphertext flowed after ${readAtFirstOutput} bytes of 24 MiB were read`);
  t.ok(isAgeEncrypted(readFileSync(file).subarray(0, 64)));

  let fileReadAtFirstOutput = -1;
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  sink.state.onFirst = () => (fileReadAtFirstOutput = input.bytesRead);
  await pipeline(input, decryptStream(alice.identity), sink.stream);
  t.equal(sink.state.bytes, source.seen.bytes);
  t.equal(sink.state.hash.digest('hex'), source.seen.hash.digest('hex'));
  t.ok(fileReadAtFirstOutput > 0 && fileReadAtFirstOutput < 4 * MiB, `plaintext flowed after ${fileReadAtFirstOutput} bytes of ciphertext were read`);
});

t.test('an empty plaintext round-trips', async (t) => {
  const file = join(base, 'empty.age');
  const hash = await encryptTo(file, [alice.recipient], 0);
  t.equal(await decryptHash(createReadStream(file), alice.identity), hash);
});

t.test('two recipients can each decrypt; a third cannot', async (t) => {
  const file = join(base, 'two.age');
  const hash = await encryptTo(file, [alice.recipient, bob.recipient], 3 * MiB + 1);
  t.equal(await decryptHash(createReadStream(file), alice.identity), hash, 'alice');
  t.equal(await decryptHash(createReadStream(file), bob.identity), hash, 'bob');
  const error = await failure(decryptHash(createReadStream(file), mallory.identity));
  t.equal(error.name, 'AgentError');
});

t.test('a wrong identity fails clearly, without the identity in the message', async (t) => {
  const error = await failure(decryptHash(createReadStream(cipherFile), mallory.identity));
  t.equal(error.name, 'AgentError');
  t.match(error.message, /the identity does not match any recipient of this archive/);
  holdsNoSecret(t, error, mallory.identity);
  t.equal(await decryptHash(createReadStream(cipherFile), alice.identity), cipherHash, 'the right one still works');
});

t.test('a damaged or truncated file fails', async (t) => {
  const cipher = readFileSync(cipherFile);
  const headerEnd = cipher.indexOf('\n---') + 1;
  const headerLength = cipher.indexOf('\n', headerEnd) + 1;
  const cases: [string, Buffer, RegExp][] = [
    ['a flipped payload byte', flip(cipher, 5 * MiB), /damaged or truncated, its encrypted data failed authentication/],
    ['a flipped last byte', flip(cipher, -1), /failed authentication/],
    ['a flipped stanza byte', flipBase64(cipher, 40), /does not match any recipient.*or its header is damaged/],
    ['a flipped version byte', flip(cipher, 3), /not an age-encrypted file/],
    ['a flipped MAC byte', flip(cipher, headerEnd + 6), /age header is damaged/],
    ['a truncated tail', cipher.subarray(0, cipher.length - 100), /failed authentication/],
    ['a cut at a chunk boundary', cipher.subarray(0, headerLength + 16 + 64 * (65536 + 16)), /failed authentication/],
    ['a cut inside the header', cipher.subarray(0, headerLength - 10), /age header is damaged or truncated/],
    ['appended bytes', Buffer.concat([cipher, Buffer.from('trailing')]), /failed authentication/],
  ];
  for (const [what, bytes, message] of cases) {
    const error = await failure(decryptHash(Readable.from([bytes]), alice.identity));
    t.equal(error.name, 'AgentError', what);
    t.match(error.message, message, what);
    holdsNoSecret(t, error, alice.identity);
  }
});

t.test('input that is not age is refused', async (t) => {
  const gz = await failure(decryptHash(Readable.from([gzipSync(randomBytes(4096))]), alice.identity));
  t.match(gz, { name: 'AgentError', message: /not an age-encrypted file/ });
  const empty = await failure(decryptHash(Readable.from([]), alice.identity));
  t.match(empty, { name: 'AgentError', message: /empty/ });
  const endless = Buffer.concat([Buffer.from('age-encryption.org/v1\n-> X25519 '), Buffer.alloc(3 * MiB, 0x41)]);
  const long = await failure(decryptHash(Readable.from([endless.subarray(0, MiB), endless.subarray(MiB, 2 * MiB), endless.subarray(2 * MiB)]), alice.identity));
  t.match(long, { name: 'AgentError', message: /age header is damaged/ });
  const upstream = new Error('disk on fire');
  const failing = new Readable({ read() { this.destroy(upstream); } });
  t.equal(await failure(decryptHash(failing, alice.identity)), upstream, 'a source error passes through unchanged');
});

t.test('a failure anywhere in a file pipeline settles it, with the first error', async (t) => {
  const damaged = join(base, 'damaged.age');
  const bytes = readFileSync(cipherFile);
  await pipeline(Readable.from([flip(bytes, 6 * MiB)]), createWriteStream(damaged));
  const sink = hashSink();
  const error = await failure(pipeline(createReadStream(damaged, { highWaterMark: 64 * 1024 }), decryptStream(alice.identity), sink.stream));
  t.match(error, { name: 'AgentError', message: /failed authentication/ }, 'damage found mid-file');
  t.ok(sink.state.bytes > 4 * MiB && sink.state.bytes < 7 * MiB, 'what came before the damage was passed on, nothing after');

  const upstream = new Error('read error');
  const breaksAt = (limit: number): Readable => {
    const input = createReadStream(cipherFile, { highWaterMark: 64 * 1024 });
    let seen = 0;
    const chunks = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > limit) throw upstream;
        yield chunk;
      }
    };
    return Readable.from(chunks());
  };
  t.equal(await failure(pipeline(breaksAt(2 * MiB), decryptStream(alice.identity), hashSink().stream)), upstream, 'decrypt: source fails mid-stream');
  t.equal(await failure(pipeline(breaksAt(2 * MiB), encryptStream([alice.recipient]), hashSink().stream)), upstream, 'encrypt: source fails mid-stream');
  const downstream = new Error('disk full');
  const fullAt = (limit: number): Writable => {
    let seen = 0;
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        done(seen > limit ? downstream : null);
      },
    });
  };
  t.equal(await failure(pipeline(createReadStream(cipherFile), decryptStream(alice.identity), fullAt(MiB))), downstream, 'decrypt: sink fails mid-stream');
  t.equal(await failure(pipeline(plaintext(8 * MiB).stream, encryptStream([alice.recipient]), fullAt(MiB))), downstream, 'encrypt: sink fails mid-stream');
  const controller = new AbortController();
  const stopping = hashSink();
  stopping.state.onFirst = () => controller.abort();
  const aborted = await failure(pipeline(createReadStream(cipherFile), decryptStream(alice.identity), stopping.stream, { signal: controller.signal }));
  t.equal(aborted.name, 'AbortError', 'an abort signal stops it');
});

t.test('isAgeEncrypted looks at the magic line', async (t) => {
  t.ok(isAgeEncrypted(Buffer.from('age-encryption.org/v1\n-> X25519 abc')));
  t.ok(isAgeEncrypted(Buffer.from('age-encryption.org/v1')));
  t.notOk(isAgeEncrypted(Buffer.from('age-encryption.org/v1x')));
  t.notOk(isAgeEncrypted(Buffer.from('age-encryption.org/v')));
  t.notOk(isAgeEncrypted(Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----\n')));
  t.notOk(isAgeEncrypted(gzipSync('x')));
  t.notOk(isAgeEncrypted(Buffer.alloc(0)));
});

t.test('parseRecipients splits, checks and names encryption-recipients', async (t) => {
  t.same(parseRecipients(''), []);
  t.same(parseRecipients(' \n, \n'), []);
  t.same(parseRecipients(`${alice.recipient}, ${bob.recipient}\n# backup key\n${alice.recipient} ${mallory.recipient}\n`), [alice.recipient, bob.recipient, mallory.recipient]);
  const bad = 'age1notakey';
  t.throws(() => parseRecipients(`${alice.recipient},${bad}`), { name: 'UsageError', message: /encryption-recipients.*age1notakey/ });
  const typo = `${alice.recipient.slice(0, -1)}${alice.recipient.endsWith('q') ? 'p' : 'q'}`;
  t.throws(() => parseRecipients(typo), { name: 'UsageError', message: new RegExp(`encryption-recipients.*${typo}.*checksum`) });
  t.throws(() => parseRecipients('ssh-ed25519 AAAAC3Nza'), { name: 'UsageError', message: /encryption-recipients: "ssh-ed25519"/ });
  const pq = await identityToRecipient(await generateHybridIdentity());
  const pqError = await failure(Promise.resolve().then(() => parseRecipients(pq)));
  t.match(pqError, { name: 'UsageError', message: /post-quantum/ });
  t.ok(pqError.message.length < 400, 'a long value is cut short');
  const pasted = await failure(Promise.resolve().then(() => parseRecipients(`${alice.recipient} ${bob.identity}`)));
  t.match(pasted, { name: 'UsageError', message: /encryption-recipients holds an age secret key/ });
  holdsNoSecret(t, pasted, bob.identity);
  t.throws(() => encryptStream([]), { name: 'UsageError', message: /encryption-recipients is empty/ });
  t.throws(() => encryptStream([bad]), { name: 'UsageError', message: /encryption-recipients/ });
});

t.test('checkIdentity never shows the identity', async (t) => {
  checkIdentity(alice.identity);
  checkIdentity(`# created: 2024-01-01\n# public key: ${alice.recipient}\n${alice.identity}\n`);
  const last = alice.identity.at(-1) === 'Q' ? 'P' : 'Q';
  const broken = [`${alice.identity.slice(0, -1)}${last}`, alice.identity.slice(0, -3), alice.identity.toLowerCase(), `${alice.identity}\n${bob.identity}`, alice.recipient, '', 'AGE-SECRET-KEY-PQ-1XYZ'];
  for (const identity of broken) {
    const error = await failure(Promise.resolve().then(() => checkIdentity(identity)));
    t.equal(error.name, 'UsageError');
    t.match(error.message, /the age identity is not usable/);
    t.equal(error.cause, undefined, 'no library error chained');
    if (identity.length > 30) holdsNoSecret(t, error, identity);
  }
  t.throws(() => decryptStream(broken[0]!), { name: 'UsageError' }, 'decryptStream checks at once');
});

// Debian's age CLI (apt-get install age): scripts/setup.sh installs it.
const ageCli = spawnSync('age', ['--version'], { encoding: 'utf8' });
t.test('interoperates with the age CLI both ways', async (t) => {
  t.equal(ageCli.status, 0, 'the age CLI is installed (apt-get install age)');
  if (ageCli.status !== 0) return;
  const keyFile = join(base, 'key.txt');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const keyText = readFileSync(keyFile, 'utf8');
  const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  t.same(parseRecipients(recipient), [recipient]);

  const ours = join(base, 'ours.age');
  const hash = await encryptTo(ours, [alice.recipient, recipient], 5 * MiB + 333);
  const theirs = execFileSync('bash', ['-o', 'pipefail', '-c', 'age -d -i "$1" "$2" | sha256sum', 'bash', keyFile, ours], { encoding: 'utf8' });
  t.equal(theirs.split(' ')[0], hash, 'age -d reads what encryptStream wrote');

  const plainFile = join(base, 'plain.bin');
  const source = plaintext(6 * MiB + 99);
  await pipeline(source.stream, createWriteStream(plainFile));
  const byCli = join(base, 'cli.age');
  execFileSync('age', ['-r', recipient, '-r', bob.recipient, '-o', byCli, plainFile]);
  const expected = source.seen.hash.digest('hex');
  t.equal(await decryptHash(createReadStream(byCli), keyText), expected, 'decryptStream reads what age -r wrote (key file text)');
  t.equal(await decryptHash(createReadStream(byCli), bob.identity), expected, 'and with our own key');
  const wrong = await failure(decryptHash(createReadStream(byCli), alice.identity));
  t.match(wrong, { name: 'AgentError', message: /does not match any recipient/ });
});

t.test('a 50 MiB archive round-trips through age as a stream', async (t) => {
  // Speed is measured by npm run bench, never asserted here.
  const total = 50 * MiB;
  const file = join(base, 'bench.age');
  const hash = await encryptTo(file, [alice.recipient], total);
  t.equal(await decryptHash(createReadStream(file), alice.identity), hash);
});

t.test('an X25519 recipient whose key data begins with pq is accepted (only age1pq1… is post-quantum)', async (t) => {
  let found: { identity: string; recipient: string } | undefined;
  for (let tries = 0; tries < 50_000 && found === undefined; tries++) {
    const identity = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    if (recipient.startsWith('age1pq')) found = { identity, recipient };
  }
  if (found === undefined) throw new Error('no X25519 recipient beginning with age1pq in 50,000 keys');
  t.strictSame(parseRecipients(found.recipient), [found.recipient]);
  const collect = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  };
  const sealed = await collect(Readable.from([Buffer.from('kept')]).pipe(encryptStream([found.recipient])));
  t.equal((await collect(Readable.from([sealed]).pipe(decryptStream(found.identity)))).toString(), 'kept');
});
