import t from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashFile } from '../../src/fs/hash-file.ts';
import { tempDir } from '../support/files/dirs.ts';

const MiB = 1 << 20;

t.test('the SHA-256 and size of a file, as sha256sum and stat give them: empty, within, at and across the read size', async (t) => {
  const dir = await tempDir(t, 'hash-file');
  for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 12_345]) {
    const path = join(dir, `f-${size}`);
    writeFileSync(path, randomBytes(size));
    const expected = execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
    t.strictSame(await hashFile(path), { sha256: expected, bytes: size }, `${size} bytes`);
  }
});

t.test('a missing file is refused with its ENOENT', async (t) => {
  const dir = await tempDir(t, 'hash-file-missing');
  await t.rejects(hashFile(join(dir, 'nope')), { code: 'ENOENT' });
});
