import { chmod, chown, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDir } from '../fs/atomic-file.ts';

const stamp = (at: Date): string => at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

// The sibling names a restore uses around the data dir; none is ever deleted by a restore.
export const restoreNames = (dataDir: string, at: Date): { fresh: string; previous: string; failed: string; stamp: string } => ({
  stamp: stamp(at),
  fresh: `${dataDir}.restore-${stamp(at)}`,
  previous: `${dataDir}.pre-restore-${stamp(at)}`,
  failed: `${dataDir}.failed-restore-${stamp(at)}`,
});

// Whether a path exists.
export const exists = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined)) !== undefined;

// Renames and makes the rename durable.
export const move = async (from: string, to: string): Promise<void> => {
  await rename(from, to);
  await syncDir(dirname(to));
};

// Gives a restored tree the owner of the data dir it replaces, and etcd's 0700 on its top.
export const matchOwnership = async (tree: string, like: string | undefined): Promise<void> => {
  await chmod(tree, 0o700);
  const owner = like ? await stat(like).catch(() => undefined) : undefined;
  if (!owner) return;
  const walk = async (path: string): Promise<void> => {
    await chown(path, owner.uid, owner.gid);
    const info = await stat(path);
    if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(tree);
};
