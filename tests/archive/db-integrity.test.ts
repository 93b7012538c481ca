import t from 'tap';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbMeter, type DbIntegrity } from '../../src/archive/db-integrity.ts';

// The meter over a file read in the agent's 1 MiB chunks (and the last, shorter one), as the archive readers feed it.
const checkDbIntegrity = async (path: string): Promise<DbIntegrity> => {
  const meter = new DbMeter();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) meter.update(chunk);
  return meter.result();
};

const dir = mkdtempSync(join(tmpdir(), 'db-integrity-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// A db the way etcd streams it: pages of 512 bytes, then the SHA-256 of them.
const fakeSnapshot = (pages: number): Buffer => {
  const body = Buffer.alloc(pages * 512);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
};

t.test('accepts a snapshot whose appended hash matches, across read chunks', async (t) => {
  const data = fakeSnapshot(5000);
  const file = join(dir, 'good');
  writeFileSync(file, data);
  const result = await checkDbIntegrity(file);
  t.same(result, { hasHash: true, ok: true, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
});

t.test('refuses a flipped byte', async (t) => {
  const data = fakeSnapshot(8);
  data[100] = data[100]! ^ 0xff;
  const file = join(dir, 'flipped');
  writeFileSync(file, data);
  t.match(await checkDbIntegrity(file), { hasHash: true, ok: false });
});

t.test('a truncated or raw file has no hash', async (t) => {
  const file = join(dir, 'short');
  writeFileSync(file, fakeSnapshot(8).subarray(0, 4000));
  t.match(await checkDbIntegrity(file), { hasHash: false, ok: false });
});
