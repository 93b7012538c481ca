import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { followFile, NotFollowed } from '../../src/fs/follow-file.ts';
import { tempDir } from '../support/files/dirs.ts';

const collect = async (source: AsyncIterable<Buffer>): Promise<Buffer> => {
  const parts: Buffer[] = [];
  // Each chunk holds its bytes only until the next is asked for: copied, as a consumer must.
  for await (const chunk of source) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
};

// A real writer process: writes `<file>.part` in pieces with pauses, fsyncs, then renames it (as etcdctl does).
const writer = (file: string, pieces: number, then = 'mv "$f.part" "$f"') =>
  execa('sh', ['-c', `f="$1"; : > "$f.part"; i=0; while [ $i -lt ${pieces} ]; do head -c 70000 /dev/urandom >> "$f.part"; sleep 0.02; i=$((i+1)); done; sync "$f.part"; ${then}`, 'sh', file]);

t.test('reads a file while another process writes it, exactly the bytes of the renamed file', async (t) => {
  const dir = await tempDir(t, 'follow');
  const file = join(dir, 'db');
  const proc = writer(file, 25);
  const read = await collect(followFile(`${file}.part`, file, proc));
  t.ok(read.equals(await readFile(file)), 'every byte, in order');
  t.equal(read.length, 25 * 70_000);
});

t.test('every read lands in one reused buffer, so following a db makes no garbage', async (t) => {
  const dir = await tempDir(t, 'follow-reuse');
  const file = join(dir, 'db');
  const proc = writer(file, 25);
  const copies: Buffer[] = [];
  const backings = new Set<ArrayBufferLike>();
  for await (const chunk of followFile(`${file}.part`, file, proc)) {
    backings.add(chunk.buffer);
    copies.push(Buffer.from(chunk));
  }
  t.ok(Buffer.concat(copies).equals(await readFile(file)), 'every byte, in order, when each chunk is copied before the next');
  t.ok(copies.length >= 10, `the writer's pauses made many reads (${copies.length})`);
  t.equal(backings.size, 1, 'all of them views of one buffer');
});

t.test('a writer that puts another file under the final name is caught: NotFollowed, never a wrong copy', async (t) => {
  const dir = await tempDir(t, 'follow-other');
  const file = join(dir, 'db');
  const proc = writer(file, 3, 'head -c 5000 /dev/urandom > "$f"');
  await t.rejects(collect(followFile(`${file}.part`, file, proc)), new NotFollowed(`${file} is not the file written as ${file}.part`));
});

t.test('a writer that never writes the growing file: NotFollowed; a failed writer: its own error', async (t) => {
  const dir = await tempDir(t, 'follow-none');
  const file = join(dir, 'db');
  const direct = execa('sh', ['-c', 'head -c 1000 /dev/urandom > "$1"', 'sh', file]);
  await t.rejects(collect(followFile(`${file}.part`, file, direct)), new NotFollowed(`${file}.part never appeared`));
  const failing = execa('sh', ['-c', 'head -c 1000 /dev/urandom > "$1.part"; sleep 0.05; exit 3', 'sh', join(dir, 'other')]);
  await t.rejects(collect(followFile(`${join(dir, 'other')}.part`, join(dir, 'other'), failing)), { name: 'ExecaError', exitCode: 3 } as unknown as Error);
});

t.test('a file renamed after it was opened is still the file read: same inode, same size', async (t) => {
  const dir = await tempDir(t, 'follow-rename');
  const file = join(dir, 'db');
  await writeFile(`${file}.part`, randomBytes(10_000));
  const done = (async () => {
    await sleep(200);
    await execa('mv', [`${file}.part`, file]);
  })();
  const read = await collect(followFile(`${file}.part`, file, done));
  t.equal(read.length, 10_000);
  t.ok(read.equals(await readFile(file)));
});
