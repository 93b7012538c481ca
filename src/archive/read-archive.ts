import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { decryptStream, isAgeEncrypted } from './age-encryption.ts';

// Enough of the head to tell an age header (age-encryption.org/v1) from gzip or a db.
const AGE_HEAD_BYTES = 32;
import { AgentError } from '../errors/agent-error.ts';
import { PKI_DIR } from './archive-members.ts';
import { DB_NAME, type Manifest } from './manifest.ts';
import { unpackTar, type UnpackLimit } from './unpack-tar.ts';
import { KIND_HEAD_BYTES, kindOf } from './compression.ts';
import { DbMeter, type DbIntegrity } from './db-integrity.ts';
import { peek } from './peek.ts';
import { looksLikeBbolt } from './bbolt-head.ts';

// What a snapshot source turned out to be, unpacked into scratch.
export interface ExtractedSnapshot {
  // agent: this charm's archive (.tar.zst, .tar.gz or .tar) with etcd-snapshot.json; legacy-tarball: an older charm's tarball
  // holding only ./db (a raw copy of member/snap/db); bare-db: a plain `etcdctl snapshot save` file.
  format: 'agent' | 'legacy-tarball' | 'bare-db';
  // scratchDir/db
  dbPath: string;
  // the parsed, shape-checked etcd-snapshot.json (agent format only).
  manifest: Manifest | undefined;
  // hex SHA-256 of the source file exactly as read.
  sha256: string;
  // size of the source file.
  bytes: number;
  // names, relative to scratchDir, of the pki/ members extracted.
  pki: string[];
  // the source was age-encrypted (and decrypted on the way).
  encrypted: boolean;
  // the db's integrity, checked as it was unpacked.
  db: DbIntegrity;
}

const READ_CHUNK = 1 << 20;

// The source read once, hashed and counted as it goes by.
const hashedChunks = async function* (source: string, seen: { hash: ReturnType<typeof createHash>; bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(source, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>) {
    seen.hash.update(chunk);
    seen.bytes += chunk.length;
    yield chunk;
  }
};

// Stream-copies a plain db file to dbPath (0600, never over an existing file), at most limit.maxBytes.
const copyBareDb = async (chunks: AsyncIterable<Buffer>, dbPath: string, source: string, limit: UnpackLimit): Promise<DbIntegrity> => {
  const meter = new DbMeter();
  const { maxBytes } = limit;
  let copied = 0;
  let created = false;
  const out = createWriteStream(dbPath, { flags: 'wx', mode: 0o600 });
  out.on('open', () => {
    created = true;
  });
  const bounded = async function* (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      copied += chunk.length;
      if (copied > maxBytes) throw new AgentError(limit.overLimit?.(source) ?? `refusing ${source}: it is larger than ${maxBytes} bytes, the most this agent accepts`);
      meter.update(chunk);
      yield chunk;
    }
  };
  try {
    await pipeline(chunks, bounded, out);
    return meter.result();
  } catch (error) {
    if (!out.closed) await new Promise<void>((resolve) => out.destroy().once('close', () => resolve()));
    if (created) await rm(dbPath, { force: true });
    if (error instanceof AgentError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new AgentError(`no space left in ${dirname(dbPath)} (target ${dbPath}) while copying ${source}; free space there and try again`, { cause: error });
    }
    throw new AgentError(`refusing ${source}: cannot copy it into ${dbPath} (${(error as Error).message})`, { cause: error });
  }
};

// Reads a snapshot source once, as a stream, into scratchDir: a tar (zstd, gzip or plain) is checked member by
// member and unpacked by hand, anything else is taken as a bare db. Throws an AgentError on refusal,
// having removed what it wrote; never writes outside scratchDir.
// An age-encrypted source is decrypted on the way with options.identity (refused without one).
export const extractSnapshot = async (source: string, scratchDir: string, options: UnpackLimit & { identity?: string | undefined }): Promise<ExtractedSnapshot> => {
  const scratch = await lstat(scratchDir).catch(() => undefined);
  if (!scratch?.isDirectory()) throw new AgentError(`cannot unpack ${source}: scratch directory ${scratchDir} does not exist or is not a directory`);
  const seen = { hash: createHash('sha256'), bytes: 0 };
  const chunks = hashedChunks(source, seen);
  const dbPath = join(scratchDir, DB_NAME);
  try {
    let head: Buffer;
    let all: AsyncGenerator<Buffer>;
    try {
      ({ head, all } = await peek(chunks, AGE_HEAD_BYTES));
    } catch (error) {
      throw new AgentError(`cannot read ${source}: ${(error as Error).message}`, { cause: error });
    }
    if (head.length === 0) throw new AgentError(`refusing ${source}: the file is empty`);
    const encrypted = isAgeEncrypted(head);
    if (encrypted) {
      if (!options.identity) {
        throw new AgentError(`${source} is encrypted with age; pass identity-secret=<Juju secret whose key "identity" holds the AGE-SECRET-KEY> (etcd-agent: --identity-file)`);
      }
      const input = Readable.from(all);
      const decrypting = decryptStream(options.identity);
      input.on('error', (error) => decrypting.destroy(error));
      const decrypted = input.pipe(decrypting) as AsyncIterable<Buffer>;
      ({ head, all } = await peek((async function* () { yield* decrypted; })(), KIND_HEAD_BYTES));
      if (kindOf(head) === 'other') throw new AgentError(`refusing ${source}: it decrypts to something that is not a snapshot archive (a zstd, gzip or plain tar)`);
    } else {
      ({ head, all } = await peek(all, KIND_HEAD_BYTES));
    }
    const kind = kindOf(head);
    if (kind === 'other') {
      if (!looksLikeBbolt(head)) throw new AgentError(`refusing ${source}: it is neither a snapshot archive (tar, .tar.gz, .tar.zst) nor an etcd (bbolt) database; use a snapshot archive or an etcdctl snapshot save file`);
      const db = await copyBareDb(all, dbPath, source, options);
      return { format: 'bare-db', dbPath, manifest: undefined, sha256: seen.hash.digest('hex'), bytes: seen.bytes, pki: [], encrypted, db };
    }
    const unpacked = await unpackTar(all, kind, scratchDir, source, options);
    return {
      format: unpacked.manifest ? 'agent' : 'legacy-tarball',
      dbPath,
      manifest: unpacked.manifest,
      sha256: seen.hash.digest('hex'),
      bytes: seen.bytes,
      pki: unpacked.files.filter((name) => name.startsWith(`${PKI_DIR}/`)),
      encrypted,
      db: unpacked.db,
    };
  } finally {
    await chunks.return(undefined);
  }
};
