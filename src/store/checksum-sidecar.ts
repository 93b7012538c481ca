import { lstat, open } from 'node:fs/promises';
import { parseSidecar } from '../format/sha256sum.ts';

// A sha256sum line is 64 hex digits, two spaces (or space and `*`), the name; nothing bigger is read.
const MAX_SIDECAR_BYTES = 4096;

// The hex SHA-256 a `<archive>.sha256` file records for name; undefined when missing, unreadable or malformed.
export const readSidecar = async (path: string, name: string): Promise<string | undefined> => {
  let text: string;
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > MAX_SIDECAR_BYTES) return undefined;
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_SIDECAR_BYTES) return undefined;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  return parseSidecar(text, name);
};
