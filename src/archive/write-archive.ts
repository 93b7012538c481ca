import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename } from 'node:path';
import { create } from 'tar';
import { createWriteStream } from 'node:fs';
import { writeAtomically, writeTextAtomically } from './atomic-file.ts';

// What was written: the archive's path, SHA-256 and exact size.
export interface WrittenArchive {
  path: string;
  sha256: string;
  bytes: number;
}

// Streams files of sourceDir into a gzipped tar at finalPath (0600), hashing it as it is written.
// The archive is never held in memory nor read back; nothing partial ever carries the final name.
export const writeArchive = async (finalPath: string, sourceDir: string, entries: string[], signal?: AbortSignal): Promise<WrittenArchive> => {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await writeAtomically(
    finalPath,
    async (temp) => {
      const pack = create({ gzip: true, cwd: sourceDir, portable: true, strict: true }, entries);
      await pipeline(pack, tap, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }), signal ? { signal } : {});
    },
    { exclusive: true },
  );
  return { path: finalPath, sha256: hash.digest('hex'), bytes };
};

// Writes `<archive>.sha256` in sha256sum format, atomically.
export const writeChecksumFile = async (archive: WrittenArchive): Promise<string> => {
  const path = `${archive.path}.sha256`;
  await writeTextAtomically(path, `${archive.sha256}  ${basename(archive.path)}\n`, 0o600);
  return path;
};
