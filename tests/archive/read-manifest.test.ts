import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readManifest } from '../../src/archive/read-manifest.ts';
import { fakeManifest, makeArchive } from '../store/archive-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'read-manifest-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('reads the manifest, the first member of an agent archive', async (t) => {
  const manifest = fakeManifest({ trigger: 'manual', revision: 99 });
  const { path } = await makeArchive(dir, 'first.tar.gz', { manifest });
  t.same(await readManifest(path), manifest);
});

t.test('an archive written by the snapshot action shape (manifest, then a large db) is read without the db', async (t) => {
  // The db part is cut off and followed by garbage: reading past the manifest would fail.
  const manifest = fakeManifest();
  const db = Buffer.alloc(8 * 1024 * 1024, 7);
  const { path } = await makeArchive(dir, 'big.tar.gz', { manifest, db, checksum: false });
  const whole = readFileSync(path);
  const cut = join(dir, 'cut.tar.gz');
  writeFileSync(cut, Buffer.concat([whole.subarray(0, 2048), Buffer.alloc(4096, 0x55)]));
  t.same(await readManifest(cut), manifest, 'the manifest comes out of the first 2 KiB');
  t.throws(() => execFileSync('tar', ['-tzf', cut], { stdio: 'pipe' }), 'the file as a whole is not a valid archive');
});

t.test('undefined for anything that is not an agent archive with its manifest first', async (t) => {
  const cases: Record<string, () => Promise<string>> = {
    'legacy archive holding only db': async () => (await makeArchive(dir, 'legacy.tar.gz')).path,
    'db first, manifest second': async () => (await makeArchive(dir, 'db-first.tar.gz', { manifest: fakeManifest(), order: 'db-first' })).path,
    'manifest that is not JSON': async () => (await makeArchive(dir, 'bad-json.tar.gz', { manifest: '{ nope' })).path,
    'manifest without a revision': async () => (await makeArchive(dir, 'no-rev.tar.gz', { manifest: '{"trigger":"scheduled"}' })).path,
    'plain text file': async () => {
      writeFileSync(join(dir, 'plain.txt'), 'hello\n');
      return join(dir, 'plain.txt');
    },
    'empty file': async () => {
      writeFileSync(join(dir, 'empty'), '');
      return join(dir, 'empty');
    },
    'gzip of text': async () => {
      writeFileSync(join(dir, 'text.gz'), gzipSync('just some text, not a tar archive at all'.repeat(20)));
      return join(dir, 'text.gz');
    },
    'gzip inside gzip': async () => {
      const inner = readFileSync((await makeArchive(dir, 'inner.tar.gz', { manifest: fakeManifest() })).path);
      writeFileSync(join(dir, 'double.gz'), gzipSync(inner));
      return join(dir, 'double.gz');
    },
    'truncated inside the manifest': async () => {
      const whole = readFileSync((await makeArchive(dir, 'trunc-src.tar.gz', { manifest: fakeManifest() })).path);
      writeFileSync(join(dir, 'trunc.tar.gz'), whole.subarray(0, 40));
      return join(dir, 'trunc.tar.gz');
    },
    'missing file': async () => join(dir, 'does-not-exist.tar.gz'),
    'a directory': async () => {
      mkdirSync(join(dir, 'a-dir'));
      return join(dir, 'a-dir');
    },
    'a dangling symlink': async () => {
      symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
      return join(dir, 'dangling');
    },
  };
  for (const [name, make] of Object.entries(cases)) {
    t.equal(await readManifest(await make()), undefined, name);
  }
});

t.test('a tar made by GNU tar with a ./ directory entry first still yields the manifest', async (t) => {
  const src = join(dir, 'gnu-src');
  mkdirSync(src);
  writeFileSync(join(src, 'etcd-snapshot.json'), JSON.stringify(fakeManifest({ revision: 5 })));
  writeFileSync(join(src, 'db'), 'x');
  const path = join(dir, 'gnu.tar.gz');
  execFileSync('tar', ['-czf', path, '-C', src, '.', '--no-recursion', './etcd-snapshot.json', './db']);
  t.match(await readManifest(path), { revision: 5 });
});
