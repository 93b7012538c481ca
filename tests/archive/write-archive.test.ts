import t from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
