import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

// One file of the archive: its name inside, its content (a path on disk or bytes) and its Unix mode.
export interface ZipEntry {
  name: string;
  source: string | Buffer;
  mode: number;
}

// What writeZip produced.
export interface ZipResult {
  bytes: number;
  entries: number;
}

const parentDirs = (name: string): string[] => {
  const parts = name.split('/').slice(0, -1);
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('/')}/`);
};

// Writes entries and their parent dirs as a zip (Unix modes in external attributes) via a temporary name, so out is never partial.
export const writeZip = async (entries: readonly ZipEntry[], out: string, options: { level: number; mtime: Date }): Promise<ZipResult> => {
  const zip = new yazl.ZipFile();
  const dirs = new Set<string>();
  for (const entry of entries) {
    for (const dir of parentDirs(entry.name)) {
      if (!dirs.has(dir)) zip.addEmptyDirectory(dir, { mode: 0o40755, mtime: options.mtime });
      dirs.add(dir);
    }
    const fileOptions = { mode: 0o100000 | entry.mode, mtime: options.mtime, compressionLevel: options.level };
    if (typeof entry.source === 'string') zip.addFile(entry.source, entry.name, fileOptions);
    else zip.addBuffer(entry.source, entry.name, fileOptions);
  }
  zip.end();
  const partial = `${out}.${process.pid}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(partial, { mode: 0o644 }));
    await rename(partial, out);
  } finally {
    await rm(partial, { force: true });
  }
  return { bytes: (await stat(out)).size, entries: entries.length + dirs.size };
};
