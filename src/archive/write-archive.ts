import { sidecarText } from '../format/sha256sum.ts';
import type { Duplex } from 'node:stream';
import { hashingStream } from '../fs/hashing-stream.ts';
import { hashFile } from '../fs/hash-file.ts';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { Readable, Transform, Writable } from 'node:stream';
import { basename } from 'node:path';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { silentMeter, type Meter, type StartMeter } from '../progress/progress-meter.ts';
import { paddingFrames } from './padding-frames.ts';
import { writeAtomically, writeTextAtomically } from '../fs/atomic-file.ts';
import { compressor, type Compression } from './compression.ts';
import type { ArchiveCodecs } from './codecs.ts';
import { CommandError } from '../process/command-runner.ts';
import { nearlyFull } from '../fs/nearly-full.ts';
import { DbMeter, type DbIntegrity } from './db-integrity.ts';
import { DB_NAME, MANIFEST_NAME } from './manifest.ts';
import { archiveEnd, fileHeader, padding, smallMember } from './tar-blocks.ts';

// What was written: the archive's path, SHA-256 and exact size.
export interface WrittenArchive {
  path: string;
  sha256: string;
  bytes: number;
}

// What goes into a snapshot archive. The tar holds, in order: etcd-snapshot.json, db, then the pki/ files.
export interface ArchiveParts {
  // The db's bytes, in order, read once (they may arrive while etcdctl is still writing them). A chunk may be a
  // view of a buffer the reader reuses: the archive asks for the next chunk only once it has copied this one.
  db(): AsyncIterable<Buffer>;
  // The manifest, asked for once the db has been read whole and checked; throwing stops the archive.
  manifest(integrity: DbIntegrity): Promise<object>;
  // Files of pkiDir (names relative to it) that follow the db.
  pkiDir: string;
  pki: string[];
  mtime: Date;
}

// How the archive is written.
export interface ArchiveOptions {
  compression: Compression;
  // A scratch file on the same filesystem, for the compressed db while the manifest is not known yet.
  bodyPath: string;
  signal?: AbortSignal | undefined;
  // age, over the compressed tar, before it is hashed and written.
  encrypt?: Duplex | undefined;
  // Byte progress: the db's pass (its total the expected db size, dbEstimate, when known) and the encryption's.
  meter?: StartMeter | undefined;
  dbEstimate?: number | undefined;
  // What compresses the db (the agent's own zlib and zstd when absent); the manifest's frame is compressed in process.
  codecs?: ArchiveCodecs | undefined;
}

// Room left at the start of the archive for the manifest frame: it is written last, once the db has been checked.
const HEAD_REGION = 64 * 1024;

// The db's bytes, checked as they go by, then its padding and the archive's end.
const tarBody = (parts: ArchiveParts, end: Buffer, meter: DbMeter, counter: Meter) =>
  async function* (): AsyncGenerator<Buffer> {
    let bytes = 0;
    for await (const chunk of parts.db()) {
      meter.update(chunk);
      bytes += chunk.length;
      counter.add(chunk.length);
      yield chunk;
    }
    yield padding(bytes);
    yield end;
  };

// The manifest member and the db's header, compressed as a frame of their own.
const headFrame = async (manifest: object, integrity: DbIntegrity, parts: ArchiveParts, compression: Compression): Promise<Buffer> => {
  const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  return buffer(Readable.from([smallMember(MANIFEST_NAME, text, parts.mtime), fileHeader(DB_NAME, integrity.bytes, parts.mtime)]).pipe(compressor(compression)));
};

// Writes source's chunks into sink, each once sink has taken the one before (its write callback: compression has
// copied it into a block), then ends sink. So a source may reuse one buffer for every chunk. A failing source
// destroys sink with its error; a sink that fails or closes stops the feed, and its pipeline tells why.
const feed = async (source: AsyncIterable<Buffer>, sink: Writable): Promise<void> => {
  const closed = new Promise<boolean>((resolve) => sink.once('close', () => resolve(false)));
  try {
    for await (const chunk of source) {
      const taken = await Promise.race([new Promise<boolean>((resolve) => sink.write(chunk, (error) => resolve(!error))), closed]);
      if (!taken) return;
    }
  } catch (error) {
    sink.destroy(error as Error);
    return;
  }
  sink.end();
};

// source through sink (a Duplex) and then the rest, as one pipeline fed chunk by chunk (see feed).
const feedThrough = async (source: AsyncIterable<Buffer>, sink: Duplex, to: Writable, options: { signal?: AbortSignal }): Promise<void> => {
  const fed = feed(source, sink);
  // When the pipeline fails, feed stops at its next write (sink is destroyed); it is not waited for, as its source
  // may be waiting on etcdctl, which the caller stops only once this has thrown.
  await pipeline(sink, to, options);
  await fed;
};

// What compresses the db's chunks in this process. They may be views of a reused buffer (see ArchiveParts.db): the
// codecs copy each into a block of their own; without compression each chunk is copied here, as the file stream
// keeps it.
const dbCompressor = (compression: Compression): Duplex =>
  compression.codec === 'none'
    ? new Transform({ highWaterMark: 1 << 20, transform: (chunk: Buffer, _encoding, done) => done(null, Buffer.from(chunk)) })
    : compressor(compression);

// Takes a program's (empty) readable side.
const discard = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

// A program that writes the archive file itself tells of a full disk only as a failed write (igzip: "Error
// encountered while writing to file", exit 252). When it failed with path's filesystem (nearly) full, that is what
// happened, and it is said the way Node says it (ENOSPC): no other codec could write there either.
const asFullDisk = async (error: unknown, path: string): Promise<unknown> => {
  if (!(error instanceof CommandError) || !(await nearlyFull(path))) return error;
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}' (${error.command}: ${error.reason})`), { code: 'ENOSPC', cause: error });
};

// Compresses the db's chunks into the file at path (created 0600 if need be) from offset start on. A program of the
// codecs appends to the file itself (its pipe has taken a chunk when the write calls back, so the buffer may be
// reused); else this process compresses and writes.
const compressInto = async (body: AsyncIterable<Buffer>, options: ArchiveOptions, path: string, start: number, streamOptions: { signal?: AbortSignal }): Promise<void> => {
  const file = await open(path, 'a', 0o600);
  try {
    await file.truncate(start);
    const program = options.compression.codec === 'none' ? undefined : options.codecs?.compressTo(options.compression, file.fd);
    if (program) {
      return await feedThrough(body, program, discard(), streamOptions).catch(async (error: unknown) => {
        throw await asFullDisk(error, path);
      });
    }
  } finally {
    await file.close();
  }
  await feedThrough(body, dbCompressor(options.compression), createWriteStream(path, { flags: 'r+', start, highWaterMark: 1 << 20 }), streamOptions);
};

// Writes a snapshot archive at finalPath (0600) reading the db once: as its bytes go by they are checked (etcd's
// appended SHA-256, the file's own SHA-256) and compressed. The manifest needs that check, so it is compressed
// last as a frame of its own and put first. Compressed zstd frames and gzip members concatenate into one valid
// file, so stock `tar --zstd -xf` and `tar xzf` read it. zstd and gzip archives are written in place: the db's
// frames after a region at the start, which then takes the manifest frame and padding frames that decompress to
// nothing (flushing the db's frames to disk meanwhile, beside snapshot status). A plain tar has no padding and an
// encrypted one is a single age stream: those are assembled from a scratch body instead. Nothing partial ever
// carries the final name.
export const writeSnapshotArchive = async (finalPath: string, parts: ArchiveParts, options: ArchiveOptions): Promise<WrittenArchive> => {
  const meter = new DbMeter();
  const streamOptions = options.signal ? { signal: options.signal } : {};
  const end = await archiveEnd(parts.pkiDir, parts.pki);
  const { codec } = options.compression;
  const startMeter = options.meter ?? silentMeter;
  // etcd streams the db while it is compressed (one pass): one step, as far as the db has been read.
  const dbPass = startMeter(codec === 'none' ? 'save' : 'save+compress', options.dbEstimate, { estimate: true });
  const body = tarBody(parts, end, meter, dbPass);
  let integrity: DbIntegrity | undefined;
  let written: { sha256: string; bytes: number } | undefined;
  if (!options.encrypt && codec !== 'none') {
    await writeAtomically(
      finalPath,
      async (temp) => {
        await (await open(temp, 'wx', 0o600)).close();
        await compressInto(body(), options, temp, HEAD_REGION, streamOptions);
        await dbPass.end();
        integrity = meter.result();
        const handle = await open(temp, 'r+');
        try {
          const flushed = handle.datasync();
          flushed.catch(() => undefined);
          const head = await headFrame(await parts.manifest(integrity), integrity, parts, options.compression);
          const fill = paddingFrames(codec, HEAD_REGION - head.length);
          if (!fill) throw new Error(`the manifest frame (${head.length} bytes) does not fit the ${HEAD_REGION}-byte head of the archive`);
          await flushed;
          await handle.write(Buffer.concat([head, fill]), 0, HEAD_REGION, 0);
          await handle.sync();
        } finally {
          await handle.close();
        }
        written = await hashFile(temp);
      },
      { exclusive: true },
    );
  } else {
    await compressInto(body(), options, options.bodyPath, 0, streamOptions);
    await dbPass.end();
    integrity = meter.result();
    const head = await headFrame(await parts.manifest(integrity), integrity, parts, options.compression);
    const tap = hashingStream();
    const encrypting = options.encrypt ? startMeter('encrypt', head.length + (await stat(options.bodyPath)).size) : silentMeter('copy', undefined);
    await writeAtomically(
      finalPath,
      async (temp) => {
        const whole = async function* (): AsyncGenerator<Buffer> {
          encrypting.add(head.length);
          yield head;
          for await (const chunk of createReadStream(options.bodyPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
            encrypting.add(chunk.length);
            yield chunk;
          }
        };
        const file = createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true });
        if (options.encrypt) await pipeline(whole, options.encrypt, tap.stream, file, streamOptions);
        else await pipeline(whole, tap.stream, file, streamOptions);
      },
      { exclusive: true },
    );
    await encrypting.end();
    written = tap.result();
  }
  if (!written) throw new Error('the archive was not written');
  return { path: finalPath, ...written };
};

// Writes `<archive>.json`, the manifest in plain text beside the archive, so listing and retention can read it
// without decompressing (or, encrypted, without the identity): it holds counts and versions, no keys or values.
export const writeManifestSidecar = async (archivePath: string, manifest: object): Promise<string> => {
  const path = `${archivePath}.json`;
  await writeTextAtomically(path, `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  return path;
};

// Writes `<archive>.sha256` in sha256sum format, atomically.
export const writeChecksumFile = async (archive: WrittenArchive): Promise<string> => {
  const path = `${archive.path}.sha256`;
  await writeTextAtomically(path, sidecarText(archive.sha256, basename(archive.path)), 0o600);
  return path;
};
