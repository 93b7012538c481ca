import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractSnapshot } from '../../src/archive/read-archive.ts';
import { writeArchive } from '../support/files/tar-build.ts';
import { fakeDb } from '../support/files/fake-db.ts';

const base = mkdtempSync(join(tmpdir(), 'read-archive-'));
t.teardown(() => rmSync(base, { recursive: true, force: true }));
const sources = join(base, 'sources');
const work = join(base, 'work');
mkdirSync(sources);
mkdirSync(work);

const MANIFEST = { format: 1, created: '2024-01-01T00:00:00.000Z', trigger: 'manual', unit: 'etcd/0', revision: 42, totalKeys: 7 };
const manifestText = JSON.stringify(MANIFEST);
const sha256sum = (file: string): string => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;

// One hand-written ustar member: a 512-byte header, then the body padded to 512 bytes.
interface Member {
  name: string;
  type?: string;
  body?: Buffer | string;
  linkname?: string;
  checksum?: 'bad';
}
const member = ({ name, type = '0', body = '', linkname = '', checksum }: Member): Buffer => {
  const data = Buffer.from(body);
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000600\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('14000000000\0', 136);
  header.write(' '.repeat(8), 148);
  header.write(type, 156);
  header.write(linkname, 157, 100);
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  if (checksum === 'bad') sum += 1;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};
const pax = (name: string, records: Record<string, string>): Buffer => {
  const body = Object.entries(records)
    .map(([key, value]) => {
      const line = ` ${key}=${value}\n`;
      let length = line.length + 1;
      while (`${length}${line}`.length !== length) length += 1;
      return `${length}${line}`;
    })
    .join('');
  return member({ name, type: 'x', body });
};
const EOF = Buffer.alloc(1024);
const tarGz = (name: string, ...parts: Buffer[]): string => {
  const file = join(sources, name);
  writeFileSync(file, gzipSync(Buffer.concat(parts)));
  return file;
};

// Every name under a directory, recursively, to prove a refusal left nothing behind.
const listing = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
const scratchFor = (): string => mkdtempSync(join(work, 'scratch-'));

// The source must be refused with the message, leaving scratch empty and nothing new anywhere.
const refuses = async (t: Test, source: string, message: RegExp, maxBytes = 1 << 30): Promise<void> => {
  const scratch = scratchFor();
  const before = listing(base);
  await t.rejects(extractSnapshot(source, scratch, { maxBytes }), { name: 'AgentError', message });
  t.same(listing(scratch), [], 'scratch is left empty');
  t.same(listing(base), before, 'nothing was created anywhere under the test dir');
  t.notOk(existsSync(join(work, 'x')) || existsSync(join(base, 'x')) || existsSync('/x') || existsSync('/etc/evil-absolute'));
};

const db = fakeDb(randomBytes(3 * 1024 * 1024 + 123));
const dbDir = join(base, 'db-dir');
mkdirSync(dbDir);
writeFileSync(join(dbDir, 'db'), db);
writeFileSync(join(dbDir, 'etcd-snapshot.json'), manifestText);
const good = await writeArchive(join(sources, 'etcd-snapshot-2024-01-01-00.00.00.tar.gz'), dbDir, ['db', 'etcd-snapshot.json']);

t.test('reads an agent archive', async (t) => {
  const scratch = scratchFor();
  const result = await extractSnapshot(good.path, scratch, { maxBytes: 1 << 30 });
  t.match(result, { format: 'agent', dbPath: join(scratch, 'db'), manifest: MANIFEST, bytes: statSync(good.path).size, pki: [] });
  t.equal(result.sha256, sha256sum(good.path));
  t.equal(result.sha256, good.sha256);
  t.ok(readFileSync(result.dbPath).equals(db), 'db unpacked byte for byte');
  t.equal(statSync(result.dbPath).mode & 0o777, 0o600);
  t.same(listing(scratch), ['db'], 'the manifest is parsed, not written');
});

t.test('reads a legacy tarball made by GNU tar with ./ and ./db', async (t) => {
  const legacyDir = join(base, 'legacy');
  mkdirSync(legacyDir);
  writeFileSync(join(legacyDir, 'db'), db.subarray(0, 100_000));
  const source = join(sources, 'legacy.tar.gz');
  execFileSync('tar', ['czf', source, '-C', legacyDir, '.']);
  const scratch = scratchFor();
  const result = await extractSnapshot(source, scratch, { maxBytes: 1 << 30 });
  t.match(result, { format: 'legacy-tarball', manifest: undefined, pki: [] });
  t.equal(result.sha256, sha256sum(source));
  t.ok(readFileSync(result.dbPath).equals(db.subarray(0, 100_000)));
});

t.test('reads a bare db', async (t) => {
  const source = join(sources, 'bare.db');
  writeFileSync(source, db);
  const scratch = scratchFor();
  const result = await extractSnapshot(source, scratch, { maxBytes: 1 << 30 });
  t.match(result, { format: 'bare-db', manifest: undefined, bytes: db.length, pki: [] });
  t.equal(result.sha256, sha256sum(source));
  t.ok(readFileSync(result.dbPath).equals(db));
  t.equal(statSync(result.dbPath).mode & 0o777, 0o600);
});

// A manifest that lists pki/ files by name with their SHA-256, as take-snapshot writes it.
const pkiManifest = (files: Record<string, string>): string =>
  JSON.stringify({ ...MANIFEST, pki: Object.entries(files).map(([name, body]) => ({ path: `/etc/x/${name}`, name, sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length })) });

t.test('unpacks pki files into a private pki dir', async (t) => {
  const source = tarGz('pki.tar.gz', member({ name: 'etcd-snapshot.json', body: pkiManifest({ 'ca.crt': 'cert' }) }), member({ name: './db', body: fakeDb('x') }), member({ name: 'pki/', type: '5' }), member({ name: 'pki/ca.crt', body: 'cert' }), EOF);
  const scratch = scratchFor();
  const result = await extractSnapshot(source, scratch, { maxBytes: 1 << 20 });
  t.same(result.pki, ['pki/ca.crt']);
  t.equal(statSync(join(scratch, 'pki')).mode & 0o777, 0o700);
  t.equal(readFileSync(join(scratch, 'pki', 'ca.crt'), 'utf8'), 'cert');
});

const db1 = member({ name: 'db', body: fakeDb('data') });
const cases: [string, Buffer[], RegExp][] = [
  ['dotdot', [db1, member({ name: '../x', body: 'evil' })], /^refusing \S+dotdot\.tar\.gz: member "\.\.\/x" escapes the archive$/],
  ['absolute', [member({ name: '/etc/evil-absolute', body: 'evil' }), db1], /member "\/etc\/evil-absolute" has an absolute path/],
  ['symlink', [member({ name: 'db', type: '2', linkname: '/etc/passwd' })], /member "db" is a symbolic link; only regular files are accepted/],
  ['hardlink', [db1, member({ name: './etcd-snapshot.json', type: '1', linkname: 'db' })], /member "\.\/etcd-snapshot\.json" is a hard link/],
  ['fifo', [member({ name: 'db', type: '6' })], /member "db" is a FIFO/],
  ['chardev', [db1, member({ name: 'pki/tty', type: '3' })], /member "pki\/tty" is a character device/],
  ['unlisted-pki', [member({ name: 'etcd-snapshot.json', body: pkiManifest({ 'ca.crt': 'cert' }) }), db1, member({ name: 'pki/key.pem', body: 'k' })], /^refusing \S+unlisted-pki\.tar\.gz: member "pki\/key\.pem" is not listed in the manifest; only files the manifest lists may be unpacked under pki\/$/],
  ['pki-before-manifest', [db1, member({ name: 'pki/ca.crt', body: 'cert' }), member({ name: 'etcd-snapshot.json', body: pkiManifest({ 'ca.crt': 'cert' }) })], /member "pki\/ca\.crt" comes before the manifest \(or the archive has none\)/],
  ['pki-altered', [member({ name: 'etcd-snapshot.json', body: pkiManifest({ 'ca.crt': 'cert' }) }), db1, member({ name: 'pki/ca.crt', body: 'CERT' })], /^refusing \S+pki-altered\.tar\.gz: member "pki\/ca\.crt" does not have the SHA-256 its manifest records; the archive was altered$/],
  ['not-bbolt', [member({ name: 'db', body: Buffer.alloc(64 * 1024) })], /^refusing \S+not-bbolt\.tar\.gz: member "db" does not start like an etcd \(bbolt\) database; this is not an etcd snapshot$/],
  ['pki-no-bytes', [member({ name: 'etcd-snapshot.json', body: JSON.stringify({ ...MANIFEST, pki: [{ path: '/x', name: 'x', sha256: 'a'.repeat(64), bytes: 'lots' }] }) }), db1], /^refusing \S+pki-no-bytes\.tar\.gz: member "etcd-snapshot\.json" has a pki entry without a name, a path, a byte count and a 64-hex sha256$/],
  ['short-db', [member({ name: 'db', body: 'tiny' })], /member "db" is too short to be an etcd \(bbolt\) database/],
  ['subdir', [db1, member({ name: 'pki/', type: '5' }), member({ name: 'pki/a/b', body: 'x' })], /member "pki\/a\/b" does not belong/],
  ['hidden-pki', [db1, member({ name: 'pki/.hidden', body: 'x' })], /member "pki\/\.hidden" does not belong/],
  ['readme', [db1, member({ name: 'README', body: 'hello' })], /member "README" does not belong in a snapshot archive/],
  ['duplicate', [db1, member({ name: './db', body: 'other' })], /member "\.\/db" appears twice/],
  ['bad-json', [db1, member({ name: 'etcd-snapshot.json', body: '{"revision": 1,' })], /member "etcd-snapshot\.json" is not valid JSON/],
  ['no-revision', [db1, member({ name: 'etcd-snapshot.json', body: '{"totalKeys": 1}' })], /member "etcd-snapshot\.json" has no numeric revision/],
  ['big-manifest', [member({ name: 'etcd-snapshot.json', body: Buffer.alloc(1024 * 1024 + 1, 32) }), db1], /"etcd-snapshot\.json" is larger than 1 MiB/],
  ['no-db', [member({ name: 'etcd-snapshot.json', body: manifestText })], /^\S+no-db\.tar\.gz holds no db/],
  ['sparse', [member({ name: 'db', type: 'S', body: 'x' })], /member "db" is a "SparseFile" entry; only regular files are accepted/],
  ['pax-escape', [pax('PaxHeader/db', { path: '../x' }), db1], /member "\.\.\/x" escapes the archive/],
  ['checksum', [member({ name: 'db', body: 'data', checksum: 'bad' })], /is truncated or corrupt \(checksum failure\)/],
];
for (const [name, parts, message] of cases) {
  t.test(`refuses ${name}`, (t) => refuses(t, tarGz(`${name}.tar.gz`, ...parts, EOF), message));
}

t.test('refuses a tar without its end-of-archive marker', (t) =>
  refuses(t, tarGz('no-eof.tar.gz', db1), /is truncated or corrupt \(no end-of-archive marker\)/));

t.test('refuses a tar cut inside a member, recompressed', (t) =>
  refuses(t, tarGz('cut-tar.tar.gz', member({ name: 'db', body: fakeDb(Buffer.alloc(5000, 1)) }).subarray(0, 2048)), /is truncated or corrupt \(Truncated input/));

t.test('refuses a .tar.gz cut in half', (t) => {
  const source = join(sources, 'half.tar.gz');
  writeFileSync(source, readFileSync(good.path).subarray(0, Math.floor(good.bytes / 2)));
  return refuses(t, source, /half\.tar\.gz is truncated or corrupt \(unexpected end of file\); refused/);
});

t.test('refuses a gzip stream with a flipped byte', (t) => {
  const source = join(sources, 'flipped.tar.gz');
  const bytes = readFileSync(good.path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(source, bytes);
  return refuses(t, source, /flipped\.tar\.gz is truncated or corrupt \(/);
});

t.test('refuses gzip that holds no tar, or gzip inside gzip', async (t) => {
  await refuses(t, tarGz('not-tar.tar.gz', randomBytes(4096)), /is truncated or corrupt/);
  await refuses(t, tarGz('double.tar.gz', readFileSync(good.path)), /truncated or corrupt \(a gzip stream inside the gzip stream\)/);
});

t.test('refuses archives and bare dbs over maxBytes', async (t) => {
  await refuses(t, good.path, /^refusing \S+: it unpacks to more than 1000000 bytes/, 1_000_000);
  const bare = join(sources, 'big.db');
  writeFileSync(bare, db);
  await refuses(t, bare, /^refusing \S+big\.db: it is larger than 1000000 bytes/, 1_000_000);
});

t.test('a partly written db is removed when a later member is refused', (t) =>
  refuses(t, tarGz('late.tar.gz', member({ name: 'etcd-snapshot.json', body: pkiManifest({ 'ca.crt': 'c' }) }), member({ name: 'db', body: db.subarray(0, 200_000) }), member({ name: 'pki/ca.crt', body: 'c' }), member({ name: 'NOTES' }), EOF), /member "NOTES" does not belong/));

t.test('a bare file that is not a bbolt database is refused before anything is written', (t) =>
  refuses(t, (writeFileSync(join(sources, 'notes.txt'), 'just text, long enough to be read as a head\n'), join(sources, 'notes.txt')), /^refusing \S+notes\.txt: it is neither a snapshot archive \(tar, \.tar\.gz, \.tar\.zst\) nor an etcd \(bbolt\) database; use a snapshot archive or an etcdctl snapshot save file$/));

t.test('never overwrites or removes a file already in scratch', async (t) => {
  const scratch = scratchFor();
  writeFileSync(join(scratch, 'db'), 'theirs');
  await t.rejects(extractSnapshot(good.path, scratch, { maxBytes: 1 << 30 }), { message: /cannot write .*EEXIST/ });
  t.same(listing(scratch), ['db']);
  t.equal(readFileSync(join(scratch, 'db'), 'utf8'), 'theirs');
});

t.test('refuses an empty file and reports a missing one', async (t) => {
  const empty = join(sources, 'empty.db');
  writeFileSync(empty, '');
  await refuses(t, empty, /the file is empty/);
  await t.rejects(extractSnapshot(join(sources, 'missing.tar.gz'), scratchFor(), { maxBytes: 1 }), { name: 'AgentError', message: /cannot read .*missing\.tar\.gz/ });
});

t.test('sha256 covers the file exactly as read', async (t) => {
  const result = await extractSnapshot(good.path, scratchFor(), { maxBytes: 1 << 30 });
  t.equal(result.sha256, createHash('sha256').update(readFileSync(good.path)).digest('hex'));
});
