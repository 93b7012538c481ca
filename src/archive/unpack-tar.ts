import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { Parser, type ReadEntry } from 'tar';
import { AgentError } from '../errors/agent-error.ts';
import { MANIFEST_MAX_BYTES, MAX_PKI_FILES, PKI_DIR, parseManifest, planMember } from './archive-members.ts';
import { BBOLT_HEAD_BYTES, looksLikeBbolt } from './bbolt-head.ts';
import { isGzip } from './gzip-magic.ts';
import { decompressor, type ArchiveKind } from './compression.ts';
import { DbMeter, type DbIntegrity } from './db-integrity.ts';
import { DB_NAME, MANIFEST_NAME, type Manifest } from './manifest.ts';

// What a tar held: the parsed manifest, if any, the files written (relative to scratch; db always among them),
// and the db's integrity, checked as it was written.
export interface UnpackedTar {
  manifest: Manifest | undefined;
  files: string[];
  db: DbIntegrity;
}

// Room in the decompressed stream for headers, pax records and padding on top of the content.
const TAR_OVERHEAD = 16 * 1024 * 1024;

// How much an unpack may write, and what to say when an archive needs more (the limit may be the free space).
export interface UnpackLimit {
  maxBytes: number;
  overLimit?(archive: string): string;
}

// Streams a tar (zstd, gzip or plain, as `kind` says) into scratchDir, writing each accepted member itself
// (0600, never over a file). The db must start like a bbolt database and is checked (etcd's appended SHA-256)
// as it is written; pki/ members must be listed, with their SHA-256, in the manifest, which comes first.
// On any refusal it removes everything it wrote, then throws an AgentError naming the archive.
export const unpackTar = async (
  chunks: AsyncIterable<Buffer>,
  kind: Exclude<ArchiveKind, 'other'>,
  scratchDir: string,
  archive: string,
  limit: UnpackLimit,
): Promise<UnpackedTar> => {
  const { maxBytes } = limit;
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
  const tooBig = (): AgentError => refuse(limit.overLimit?.(archive) ?? `refusing ${archive}: it unpacks to more than ${maxBytes} bytes, the most this agent accepts`);
  const pkiHashes = new Map<string, ReturnType<typeof createHash>>();
  const dbMeter = new DbMeter();

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
    out.on('error', (error: NodeJS.ErrnoException) =>
      refuse(error.code === 'ENOSPC' ? `no space left in ${scratchDir} (target ${path}) while unpacking ${archive}; free space there and try again` : `refusing ${archive}: cannot write ${path} (${error.message})`),
    );
    const hash = name.startsWith(`${PKI_DIR}/`) ? createHash('sha256') : undefined;
    if (hash) pkiHashes.set(name, hash);
    // The db's first bytes are held back until they show a bbolt header: nothing of a non-database is written.
    let head: Buffer | undefined = name === DB_NAME ? Buffer.alloc(0) : undefined;
    entry.on('data', (data: Buffer) => {
      if (!count(data.length)) return;
      let chunk = data;
      if (head) {
        head = Buffer.concat([head, data]);
        if (head.length < BBOLT_HEAD_BYTES) return;
        if (!looksLikeBbolt(head)) return void refuseMember(entry.path, 'does not start like an etcd (bbolt) database; this is not an etcd snapshot');
        chunk = head;
        head = undefined;
      }
      hash?.update(chunk);
      if (name === DB_NAME) dbMeter.update(chunk);
      if (!out.write(chunk)) {
        entry.pause();
        out.once('drain', () => entry.resume());
      }
    });
    entry.on('end', () => {
      if (head) return void refuseMember(entry.path, 'is too short to be an etcd (bbolt) database');
      if (!refusal) out.end();
    });
  };

  // A pki/ member is accepted only when the manifest, read before it, lists it; at most MAX_PKI_FILES of them.
  const pkiRefusal = (name: string): string | undefined => {
    if (!manifest) return `comes before the manifest (or the archive has none); only files the manifest lists may be unpacked under ${PKI_DIR}/`;
    if (!manifest.pki?.some((f) => `${PKI_DIR}/${f.name}` === name)) return `is not listed in the manifest; only files the manifest lists may be unpacked under ${PKI_DIR}/`;
    if (pkiHashes.size >= MAX_PKI_FILES) return `is more than the ${MAX_PKI_FILES} ${PKI_DIR}/ files an archive may hold`;
    return undefined;
  };

  // Every unpacked pki/ file must have the SHA-256 the manifest records for it.
  const checkPkiHashes = (): void => {
    for (const [name, hash] of pkiHashes) {
      const listed = manifest?.pki?.find((f) => `${PKI_DIR}/${f.name}` === name);
      if (listed?.sha256 !== hash.digest('hex')) throw refuse(`refusing ${archive}: member ${JSON.stringify(name)} does not have the SHA-256 its manifest records; the archive was altered`);
    }
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
    if (plan.name.startsWith(`${PKI_DIR}/`)) {
      const why = pkiRefusal(plan.name);
      if (why) return void refuseMember(entry.path, why);
    }
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
        if (isGzip(data)) throw corrupt(`a gzip stream inside the ${kind === 'tar' ? 'tar' : `${kind} stream`}`);
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
    checkPkiHashes();
  };

  try {
    await pipeline(chunks, decompressor(kind), feed);
    return { manifest, files: [...seen].filter((name) => name !== MANIFEST_NAME), db: dbMeter.result() };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = code.startsWith('Z_') || code.startsWith('ZSTD_') ? corrupt((error as Error).message) : refuse(`refusing ${archive}: cannot unpack it (${(error as Error).message})`);
    for (const out of streams) if (!out.closed) out.destroy();
    await Promise.all(streams.map((out) => (out.closed ? undefined : once(out, 'close').catch(() => undefined))));
    for (const path of created) await rm(path, { force: true }).catch(() => undefined);
    if (madePkiDir) await rmdir(pkiDir).catch(() => undefined);
    throw reason;
  }
};
