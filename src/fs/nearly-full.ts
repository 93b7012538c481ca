import { statfs } from 'node:fs/promises';

// Less than this left: a write of a compressor's output buffer cannot fit.
export const NEARLY_FULL_BYTES = 1024 ** 2;

// True when path's filesystem has less than NEARLY_FULL_BYTES left for this process (root may use the blocks a
// filesystem reserves, others may not); false when it has more, or cannot be asked.
export const nearlyFull = async (path: string): Promise<boolean> => {
  const fs = await statfs(path).catch(() => undefined);
  if (!fs) return false;
  const blocks = process.getuid?.() === 0 ? fs.bfree : fs.bavail;
  return blocks * fs.bsize < NEARLY_FULL_BYTES;
};
