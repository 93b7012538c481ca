import { sidecarText } from '../format/sha256sum.ts';
import type { Duplex } from 'node:stream';
import { hashingStream } from '../fs/hashing-stream.ts';
import { pipeline } from 'node:stream/promises';
import { basename } from 'node:path';
import { create } from 'tar';
import { createWriteStream } from 'node:fs';
import { writeAtomically, writeTextAtomically } from '../fs/atomic-file.ts';

// What was written: the archive's path, SHA-256 and exact size.
export interface WrittenArchive {
  path: string;
  sha256: string;
  bytes: number;
}

// Streams files of sourceDir into a gzipped tar at finalPath (0600), hashing it as it is written.
// The archive is never held in memory nor read back; nothing partial ever carries the final name.
// With encrypt, the gzipped tar passes through it (age) before it is hashed and written.
export const writeArchive = async (
  finalPath: string,
  sourceDir: string,
  entries: string[],
  options: { signal?: AbortSignal | undefined; encrypt?: Duplex | undefined } = {},
): Promise<WrittenArchive> => {
  const tap = hashingStream();
  await writeAtomically(
    finalPath,
    async (temp) => {
      const pack = create({ gzip: true, cwd: sourceDir, portable: true, strict: true }, entries);
      const file = createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true });
      const streamOptions = options.signal ? { signal: options.signal } : {};
      if (options.encrypt) await pipeline(pack, options.encrypt, tap.stream, file, streamOptions);
      else await pipeline(pack, tap.stream, file, streamOptions);
    },
    { exclusive: true },
  );
  return { path: finalPath, ...tap.result() };
};

// Writes `<archive>.json`, the manifest in plain text beside an encrypted archive, so listing and
// retention can read it without the identity (it holds counts and versions, no keys or values).
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
