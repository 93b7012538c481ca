import { lstat, open } from 'node:fs/promises';

// A sha256sum line is 64 hex digits, two spaces (or space and `*`), the name; nothing bigger is read.
const MAX_SIDECAR_BYTES = 4096;

const LINE = /^([0-9a-f]{64}) [ *](.+)\n?$/;

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
  const match = LINE.exec(text);
  return match && match[2] === name ? match[1] : undefined;
};
