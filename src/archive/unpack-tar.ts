import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { AgentError } from '../errors/agent-error.ts';
import { MANIFEST_MAX_BYTES, PKI_DIR, parseManifest, planMember } from './archive-members.ts';
import { DB_NAME, MANIFEST_NAME, type Manifest } from './manifest.ts';

// What a gzipped tar held: the parsed manifest, if any, and the files written (relative to scratch; db always among them).
export interface UnpackedTar {
  manifest: Manifest | undefined;
  files: string[];
}

// Room in the decompressed stream for headers, pax records and padding on top of the content.
const TAR_OVERHEAD = 16 * 1024 * 1024;

// Streams a gzipped tar into scratchDir, writing each accepted member itself (0600, never over a file).
// On any refusal it removes everything it wrote, then throws an AgentError naming the archive.
export const unpackTarGz = async (
  chunks: AsyncIterable<Buffer>,
  scratchDir: string,
  archive: string,
  maxBytes: number,
): Promise<UnpackedTar> => {
  let refusal: AgentError | undefined;
  let sawEof = false;
  let content = 0;
  let manifest: Manifest | undefined;
  const seen = new Set<string>();
  const streams: WriteStream[] = [];
  const created: string[] = [];
  const pkiDir = join(scratchDir, PKI_DIR);
  let madePkiDir = false;
  const wakers = new Set<() => void>();

  const refuse = (message: string): AgentError => {
    refusal ??= new AgentError(message);
    for (const wake of wakers) wake();
    return refusal;
  };
  const refuseMember = (path: string, reason: string): AgentError => refuse(`refusing ${archive}: member ${JSON.stringify(path)} ${reason}`);
  const corrupt = (cause: string): AgentError =>
    refuse(`${archive} is truncated or corrupt (${cause}); refused, copy it again or use another snapshot`);
  const tooBig = (): AgentError => refuse(`refusing ${archive}: it unpacks to more than ${maxBytes} bytes, the most this agent accepts`);

  const parser = new Parser({ strict: true, brotli: false, zstd: false });
  // Resolves on the parser's event, or at once when the archive is refused.
  const until = (event: string): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        parser.off(event, wake);
        wakers.delete(wake);
        resolve();
      };
      if (refusal) return resolve();
      parser.on(event, wake);
      wakers.add(wake);
    });

  const count = (bytes: number): boolean => {
    content += bytes;
    if (content > maxBytes) tooBig();
    return refusal === undefined;
  };

  const writeFile = (entry: ReadEntry, name: string): void => {
    if (name.startsWith(`${PKI_DIR}/`) && !madePkiDir) {
      mkdirSync(pkiDir, { mode: 0o700 });
      madePkiDir = true;
    }
    const path = join(scratchDir, name);
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    streams.push(out);
    out.on('open', () => created.push(path));
    out.on('error', (error) => refuse(`refusing ${archive}: cannot write ${path} (${error.message})`));
    entry.on('data', (chunk: Buffer) => {
      if (!count(chunk.length)) return;
      if (!out.write(chunk)) {
        entry.pause();
        out.once('drain', () => entry.resume());
      }
    });
    entry.on('end', () => {
      if (!refusal) out.end();
    });
  };

  const readManifest = (entry: ReadEntry): void => {
    const parts: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => {
      if (count(chunk.length)) parts.push(chunk);
    });
    entry.on('end', () => {
      if (refusal) return;
      try {
        manifest = parseManifest(Buffer.concat(parts).toString('utf8'));
      } catch (error) {
        refuseMember(entry.path, (error as Error).message);
      }
    });
  };

  const onEntry = (entry: ReadEntry): void => {
    if (refusal) return void entry.resume();
    const plan = planMember({ path: entry.path, type: entry.type, headerType: entry.header.type, linkpath: entry.linkpath });
    if (plan.kind === 'refuse') return void refuseMember(entry.path, plan.reason);
    if (plan.kind === 'skip') return void entry.resume();
    if (seen.has(plan.name)) return void refuseMember(entry.path, 'appears twice');
    seen.add(plan.name);
    if (plan.name === MANIFEST_NAME && entry.size > MANIFEST_MAX_BYTES) return void refuseMember(entry.path, 'is larger than 1 MiB');
    if (content + entry.size > maxBytes) return void tooBig();
    if (plan.name === MANIFEST_NAME) readManifest(entry);
    else writeFile(entry, plan.name);
  };

  parser.on('entry', (entry: ReadEntry) => {
    try {
      onEntry(entry);
    } catch (error) {
      refuse(`refusing ${archive}: cannot unpack member ${JSON.stringify(entry.path)} (${(error as Error).message})`);
    }
  });
  // tar skips unknown entry types and oversized pax headers without a warning, even when strict.
  parser.on('ignoredEntry', (entry: ReadEntry) =>
    refuseMember(entry.path, entry.meta ? 'is an extended header over 1 MiB' : `is a ${JSON.stringify(entry.type)} entry; only regular files are accepted`),
  );
  parser.on('error', (error: Error) => corrupt(error.message.replace(/^TAR_[A-Z_]+: /, '')));
  parser.on('warn', (_code: string, message: string) => corrupt(message));
  parser.on('eof', () => {
    sawEof = true;
  });

  // Feeds the decompressed tar to the parser with backpressure, stopping at the end-of-archive marker.
  const feed = async (tar: AsyncIterable<Buffer>): Promise<void> => {
    let total = 0;
    let head: Buffer | undefined = Buffer.alloc(0);
    for await (const chunk of tar) {
      if (refusal) throw refusal;
      total += chunk.length;
      if (total > maxBytes + TAR_OVERHEAD) throw tooBig();
      if (sawEof) continue;
      let data = chunk;
      if (head) {
        data = Buffer.concat([head, chunk]);
        if (data.length < 2) {
          head = data;
          continue;
        }
        if (data[0] === 0x1f && data[1] === 0x8b) throw corrupt('a gzip stream inside the gzip stream');
        head = undefined;
      }
      if (!parser.write(data)) await until('drain');
      if (refusal) throw refusal;
    }
    if (head?.length) parser.write(head);
    const ended = until('end');
    parser.end();
    await ended;
    if (refusal) throw refusal;
    await Promise.all(streams.map((out) => (out.closed ? undefined : once(out, 'close'))));
    if (refusal) throw refusal;
    if (!sawEof) throw corrupt('no end-of-archive marker');
    if (!seen.has(DB_NAME)) throw refuse(`${archive} holds no db; refused, it is not a snapshot archive`);
  };

  try {
    await pipeline(chunks, createGunzip({ chunkSize: 256 * 1024 }), feed);
    return { manifest, files: [...seen].filter((name) => name !== MANIFEST_NAME) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = code.startsWith('Z_') ? corrupt((error as Error).message) : refuse(`refusing ${archive}: cannot unpack it (${(error as Error).message})`);
    for (const out of streams) if (!out.closed) out.destroy();
    await Promise.all(streams.map((out) => (out.closed ? undefined : once(out, 'close').catch(() => undefined))));
    for (const path of created) await rm(path, { force: true }).catch(() => undefined);
    if (madePkiDir) await rmdir(pkiDir).catch(() => undefined);
    throw reason;
  }
};
