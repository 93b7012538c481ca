import { isGzip } from './gzip-magic.ts';
import { decompressor, KIND_HEAD_BYTES, kindOf } from './compression.ts';
import { peek } from './peek.ts';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { MANIFEST_MAX_BYTES, parseManifest, planMember } from './archive-members.ts';
import { MANIFEST_NAME, type Manifest } from './manifest.ts';
import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import { isEncryptedName } from './snapshot-name.ts';

// An encrypted archive cannot be read without the identity: its plain manifest sits beside it as <archive>.json.
const readManifestSidecar = async (path: string): Promise<Manifest | undefined> => {
  const text = await readFile(`${path}.json`, 'utf8').catch(() => undefined);
  if (text === undefined || text.length > MANIFEST_MAX_BYTES) return undefined;
  try {
    return parseManifest(text);
  } catch {
    return undefined;
  }
};

// Decompressed bytes read before giving up: the manifest, its headers and some padding.
const READ_LIMIT = MANIFEST_MAX_BYTES + 64 * 1024;


// A tar parser that settles on the first file member: the manifest when it is etcd-snapshot.json, else undefined.
const firstMember = (): { parser: Parser; outcome: () => Manifest | undefined | 'pending' } => {
  let outcome: Manifest | undefined | 'pending' = 'pending';
  const settle = (value: Manifest | undefined): void => {
    if (outcome === 'pending') outcome = value;
  };
  const parser = new Parser({ strict: true, brotli: false, zstd: false });
  parser.on('entry', (entry: ReadEntry) => {
    if (outcome !== 'pending') return void entry.resume();
    const plan = planMember({ path: entry.path, type: entry.type, headerType: entry.header.type, linkpath: entry.linkpath });
    if (plan.kind === 'skip') return void entry.resume();
    entry.resume();
    if (plan.kind !== 'file' || plan.name !== MANIFEST_NAME || entry.size > MANIFEST_MAX_BYTES) return settle(undefined);
    const parts: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => parts.push(chunk));
    entry.on('end', () => {
      try {
        settle(parseManifest(Buffer.concat(parts).toString('utf8')));
      } catch {
        settle(undefined);
      }
    });
  });
  parser.on('ignoredEntry', () => settle(undefined));
  parser.on('warn', () => settle(undefined));
  parser.on('error', () => settle(undefined));
  parser.on('end', () => settle(undefined));
  return { parser, outcome: () => outcome };
};

// The manifest in an archive stream (zstd, gzip or plain tar): only its first member is decompressed; a stream
// cut after the manifest (an upload's read-ahead) still yields it. undefined for anything else.
export const manifestFromStream = async (compressed: Readable): Promise<Manifest | undefined> => {
  let head: Buffer;
  let again: Readable;
  try {
    const peeked = await peek(compressed[Symbol.asyncIterator](), KIND_HEAD_BYTES);
    head = peeked.head;
    again = Readable.from(peeked.all);
  } catch {
    compressed.destroy();
    return undefined;
  }
  const kind = kindOf(head);
  if (kind === 'other') {
    compressed.destroy();
    return undefined;
  }
  const inflate = decompressor(kind);
  again.on('error', (error) => inflate.destroy(error));
  again.pipe(inflate);
  const { parser, outcome } = firstMember();
  let read = 0;
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      if (read === 0 && isGzip(chunk)) return undefined;
      read += chunk.length;
      parser.write(chunk);
      if (outcome() !== 'pending' || read > READ_LIMIT) break;
    }
    if (outcome() === 'pending' && read <= READ_LIMIT) parser.end();
  } catch {
    // Unreadable or cut short: a manifest settled before that still counts.
  } finally {
    again.unpipe(inflate);
    again.destroy();
    compressed.destroy();
    inflate.destroy();
  }
  await Promise.resolve();
  const result = outcome();
  return result === 'pending' ? undefined : result;
};

// The manifest of a snapshot archive, read from its first member only (the db after it is never
// decompressed); undefined for anything unreadable, a legacy archive, or one whose manifest is not first.
// An encrypted archive's comes from its plain <archive>.json.
export const readManifest = async (path: string): Promise<Manifest | undefined> =>
  isEncryptedName(basename(path)) ? readManifestSidecar(path) : manifestFromStream(createReadStream(path, { highWaterMark: 64 * 1024 }));
