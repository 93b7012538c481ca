import t from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSnapshotArchive } from '../../src/archive/write-archive.ts';
import { encryptStream } from '../../src/archive/age-encryption.ts';
import { parseCompression } from '../../src/archive/compression.ts';
import { igzipCodecs, type ArchiveCodecs } from '../../src/archive/codecs.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { igzipPath } from '../support/codecs/igzip.ts';
import type { DbIntegrity } from '../../src/archive/db-integrity.ts';
import { tempDir } from '../support/files/dirs.ts';
import { fakeDb } from '../support/files/fake-db.ts';
import { freeBytes, mountTmpfs } from '../support/files/disk-space.ts';
import { isNoSpace } from '../../src/errors/no-space.ts';
import { CommandError } from '../../src/process/command-runner.ts';

// A db read the way the snapshot reads it: every chunk a view of one buffer, refilled when the next chunk is asked
// for. Sizes vary (a read that caught up with etcdctl is short). Anything the archive kept without copying would
// hold the bytes of a later chunk.
const reusingReader = (db: Buffer) =>
  async function* (): AsyncGenerator<Buffer> {
    const buffer = Buffer.alloc(1 << 20);
    const sizes = [1 << 20, 300_000, 7, 1 << 20, 65_536, 1 << 19];
    for (let offset = 0, i = 0; offset < db.length; i++) {
      const length = Math.min(sizes[i % sizes.length]!, db.length - offset);
      db.copy(buffer, 0, offset, offset + length);
      offset += length;
      yield buffer.subarray(0, length);
      // Resumed: the consumer has asked for the next chunk, so this one may be overwritten.
      buffer.fill(0xee);
    }
  };

t.test('an archive holds the db exactly when every chunk it was given reused one buffer: each format, and encrypted', async (t) => {
  const dir = await tempDir(t, 'write-archive');
  // Compressible and not: JSON-like text, then random bytes; several MiB, so blocks and parts fill and queue.
  const text = Buffer.from('{"kind":"Pod","metadata":{"name":"web-0","namespace":"default"}}\n'.repeat(60_000));
  const db = fakeDb(Buffer.concat([text, randomBytes(3 << 20)]));
  const keyFile = join(dir, 'age.key');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  const igzip: ArchiveCodecs = igzipCodecs(execaRunner, igzipPath());
  const cases: { name: string; spec: string; tar: string[]; encrypted?: boolean; codecs?: ArchiveCodecs }[] = [
    { name: 'gzip', spec: 'gzip', tar: ['xzf'] },
    { name: 'gzip by igzip', spec: 'gzip', tar: ['xzf'], codecs: igzip },
    { name: 'gzip by igzip, encrypted', spec: 'gzip', tar: ['xzf'], encrypted: true, codecs: igzip },
    { name: 'zstd', spec: 'zstd', tar: ['--zstd', '-xf'] },
    { name: 'none', spec: 'none', tar: ['xf'] },
    { name: 'zstd, encrypted', spec: 'zstd', tar: ['--zstd', '-xf'], encrypted: true },
    { name: 'gzip, encrypted', spec: 'gzip', tar: ['xzf'], encrypted: true },
  ];
  for (const [i, c] of cases.entries()) {
    const out = join(dir, `case-${i}`);
    mkdirSync(out);
    let seen: DbIntegrity | undefined;
    const written = await writeSnapshotArchive(
      join(out, 'archive'),
      {
        db: reusingReader(db),
        manifest: async (integrity) => {
          seen = integrity;
          return { format: 1 };
        },
        pkiDir: out,
        pki: [],
        mtime: new Date('2026-12-02T00:00:00Z'),
      },
      { compression: parseCompression(c.spec), bodyPath: join(out, 'body'), encrypt: c.encrypted ? encryptStream([recipient]) : undefined, codecs: c.codecs },
    );
    let tarFile = written.path;
    if (c.encrypted) {
      tarFile = join(out, 'decrypted');
      writeFileSync(tarFile, execFileSync('age', ['-d', '-i', keyFile, written.path], { maxBuffer: 64 << 20 }));
    }
    const unpacked = join(out, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', [...c.tar, tarFile, '-C', unpacked]);
    t.ok(readFileSync(join(unpacked, 'db')).equals(db), `${c.name}: stock tools unpack the db byte for byte`);
    t.equal(seen?.bytes, db.length, `${c.name}: the manifest was asked for with the db's whole size`);
  }
});

// The archive of db written into dir with codecs (gzip:1), or its failure.
const writeGzip1 = (dir: string, db: Buffer, codecs: ArchiveCodecs) =>
  writeSnapshotArchive(
    join(dir, 'archive'),
    { db: reusingReader(db), manifest: async () => ({ format: 1 }), pkiDir: dir, pki: [], mtime: new Date('2026-12-02T00:00:00Z') },
    { compression: parseCompression('gzip:1'), bodyPath: join(dir, 'body'), codecs },
  );

t.test('igzip that meets a full disk fails as a full disk (ENOSPC), not as a broken program; nothing is left', async (t) => {
  const mount = await mountTmpfs(t, 4, 'write-archive-full');
  // Random bytes do not shrink: 8 MiB of them cannot fit in 4.
  const failure = await writeGzip1(mount, fakeDb(randomBytes(8 << 20)), igzipCodecs(execaRunner, igzipPath())).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.ok(failure instanceof Error, 'the write failed');
  t.equal((failure as Error & { code?: unknown }).code, 'ENOSPC');
  t.equal(isNoSpace(failure), true);
  t.equal((failure as Error).cause instanceof CommandError, true, "igzip's own failure is kept as the cause");
  t.strictSame(readdirSync(mount), [], 'no partial archive');
  t.equal(await freeBytes(mount), 4 << 20, 'every byte written was released');
});

t.test('a compressing program that fails with room on the disk stays its own failure (CommandError): the snapshot may fall back', async (t) => {
  const dir = await tempDir(t, 'write-archive-broken');
  const broken = join(dir, 'broken-igzip');
  writeFileSync(broken, '#!/bin/sh\nhead -c 100000 >/dev/null\necho "igzip: internal error" >&2\nexit 3\n', { mode: 0o755 });
  const out = join(dir, 'out');
  mkdirSync(out);
  await t.rejects(writeGzip1(out, fakeDb(randomBytes(2 << 20)), igzipCodecs(execaRunner, broken)), CommandError);
  t.strictSame(readdirSync(out), [], 'no partial archive');
});
