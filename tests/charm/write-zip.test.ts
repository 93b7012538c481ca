import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeZip } from '../../scripts/pack/write-zip.ts';
import { zipCompressor } from '../../scripts/pack/zip-compressor.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

// Python's zipfile reads the archive back: per entry its name, Unix mode, method, date and content's hex digest.
const PY_READ = [
  'import hashlib, json, sys, zipfile',
  'with zipfile.ZipFile(sys.argv[1]) as z:',
  '    assert z.testzip() is None',
  '    print(json.dumps([[i.filename, oct(i.external_attr >> 16), i.compress_type, list(i.date_time), hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))',
].join('\n');

const sha = async (data: Buffer): Promise<string> => createHash('sha256').update(data).digest('hex');

t.test('writeZip writes what zipfile reads back: dirs, modes, deflated and stored (incompressible) entries, one date', async (t) => {
  const dir = await tempDir(t, 'zip');
  const text = Buffer.from('hello\n'.repeat(1000));
  const noise = randomBytes(4096);
  const onDisk = join(dir, 'script');
  await writeFile(onDisk, '#!/bin/sh\necho hi\n');
  const entries = [
    { name: 'a/b/text.txt', source: text, mode: 0o644 },
    { name: 'a/noise.bin', source: noise, mode: 0o644 },
    { name: 'run', source: onDisk, mode: 0o755 },
  ];
  const mtime = new Date(Date.UTC(2026, 0, 2, 3, 4, 6));
  const out = join(dir, 'out.zip');
  const result = await writeZip(entries, out, { compress: zipCompressor(6), mtime });
  t.strictSame(result.entries, 5, 'three files and their two parent dirs');
  const { stdout } = await execa('python3', ['-c', PY_READ, out]);
  const date = [2026, 1, 2, 3, 4, 6];
  t.strictSame(JSON.parse(stdout), [
    ['a/', '0o40755', 0, date, await sha(Buffer.alloc(0))],
    ['a/b/', '0o40755', 0, date, await sha(Buffer.alloc(0))],
    ['a/b/text.txt', '0o100644', 8, date, await sha(text)],
    ['a/noise.bin', '0o100644', 0, date, await sha(noise)],
    ['run', '0o100755', 0, date, await sha(await readFile(onDisk))], // 19 bytes deflate to more: stored
  ]);
  t.strictSame(await listDir(dir), ['out.zip', 'script'], 'no partial file left');

  const again = join(dir, 'again.zip');
  await writeZip(entries, again, { compress: zipCompressor(6), mtime });
  t.equal(await sha(await readFile(again)), await sha(await readFile(out)), 'the same entries and time give the same bytes');
});

t.test('a compressor deflates each source once', async (t) => {
  const compress = zipCompressor(6);
  const data = Buffer.from('x'.repeat(10_000));
  const [first, second] = await Promise.all([compress(data), compress(data)]);
  t.equal(first, second, 'the same object: deflated once');
  t.equal(first!.method, 8);
  t.equal(first!.size, 10_000);
});
