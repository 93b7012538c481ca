import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

// A fresh temporary directory removed when the test ends.
export const tempDir = async (t: { teardown(fn: () => unknown): void }, prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

// Unpacks an archive with the stock GNU tar (it tells zstd, gzip and plain tar apart by their first bytes);
// returns what it holds.
export const unpack = async (archive: string, into: string): Promise<string[]> => {
  await execa('tar', ['-xf', archive, '-C', into]);
  return (await readdir(into)).sort();
};

// Every entry of a directory, hidden ones included, or [] when it does not exist.
export const listDir = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();
