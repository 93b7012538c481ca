import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { humanSize } from '../../src/format/human-size.ts';

t.test('formats like du -h: powers of 1024, rounded up, one decimal below 10', async (t) => {
  t.equal(humanSize(0), '0');
  t.equal(humanSize(1023), '1023');
  t.equal(humanSize(4096), '4.0K');
  t.equal(humanSize(4097), '4.1K');
  t.equal(humanSize(69632), '68K');
  t.equal(humanSize(10 * 1024 - 1), '10K');
  t.equal(humanSize(1.2 * 1024 ** 3), '1.2G');
  t.equal(humanSize(1024 ** 2 - 1), '1.0M');
});

t.test('agrees with du -h on real files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'human-size-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const size of [1, 5000, 70_000, 300_000, 3_000_000]) {
    const file = join(dir, `f${size}`);
    writeFileSync(file, Buffer.alloc(size, 7));
    const du = execFileSync('du', ['-h', file], { encoding: 'utf8' }).split('\t')[0];
    t.equal(humanSize(statSync(file).blocks * 512), du, `${size} bytes`);
  }
});
