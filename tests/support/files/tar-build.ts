// Hand-written tar archives for hostile-input tests: ustar headers, members, and a streamed gzip bomb that is written
// without ever holding its decompressed size in memory.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';

// One ustar header for a regular file of size bytes (size may exceed what a Buffer could hold: up to 8 GiB - 1).
export const tarHeader = (name: string, size: number, type = '0'): Buffer => {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000600\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('14000000000\0', 136);
  header.write(' '.repeat(8), 148);
  header.write(type, 156);
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
};

// A whole member: header, body, padding to 512 bytes.
export const tarMember = (name: string, body: Buffer | string): Buffer => {
  const data = Buffer.from(body);
  return Buffer.concat([tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};

// The two zero blocks that end a tar.
export const TAR_EOF = Buffer.alloc(1024);

// Writes gzip(members..., end-of-archive) to file.
export const writeTarGz = async (file: string, members: Buffer[]): Promise<void> => {
  await writeFile(file, gzipSync(Buffer.concat([...members, TAR_EOF])));
};

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

// A manifest etcd-snapshot.json parseManifest accepts, with the fields given on top.
export const manifestFor = (extra: Record<string, unknown> = {}): string =>
  `${JSON.stringify({ format: 1, created: '2024-01-01T00:00:00.000Z', trigger: 'manual', unit: 'etcd/0', revision: 2, totalKeys: 1, ...extra })}\n`;

const SLICE = 64 * 1024 ** 2;

// A gzipped tar whose one member `db` is dbBytes (a multiple of 64 MiB) long: head, then zeros. Written as
// concatenated gzip members (gunzip reads them as one stream), the 64 MiB slice of zeros compressed once and
// repeated, so the file is about dbBytes/1000 and building it takes a moment. Returns the file's size.
export const writeGzipBomb = async (file: string, dbBytes: number, head: Buffer = Buffer.alloc(0)): Promise<number> => {
  if (dbBytes % SLICE !== 0 || dbBytes < SLICE) throw new Error(`bomb size ${dbBytes} is not a multiple of 64 MiB`);
  const zeros = Buffer.alloc(SLICE);
  const slice = gzipSync(zeros, { level: 9 });
  const out = createWriteStream(file, { mode: 0o600 });
  let bytes = 0;
  const put = async (chunk: Buffer): Promise<void> => {
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  // The header and the first slice carry the head; every other slice is the same compressed zeros.
  await put(gzipSync(Buffer.concat([tarHeader('db', dbBytes), head, zeros.subarray(head.length)]), { level: 9 }));
  for (let done = SLICE; done < dbBytes; done += SLICE) await put(slice);
  await put(gzipSync(TAR_EOF));
  out.end();
  await once(out, 'close');
  return bytes;
};

// A gzipped tar of files of sourceDir (as earlier versions of the agent wrote archives: one gzip stream),
// written at path; returns its path, SHA-256 and size as the agent's writer does.
export const writeArchive = async (path: string, sourceDir: string, entries: string[]): Promise<{ path: string; sha256: string; bytes: number }> => {
  await pipeline(create({ gzip: true, cwd: sourceDir, portable: true }, entries), createWriteStream(path, { mode: 0o600 }));
  const data = await readFile(path);
  return { path, sha256: sha256Hex(data), bytes: data.length };
};
