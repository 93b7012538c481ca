import { statfs } from 'node:fs/promises';
import { AgentError } from '../errors/agent-error.ts';
import { humanSize } from '../format/human-size.ts';
import type { UnpackLimit } from '../archive/unpack-tar.ts';

// etcd's WAL preallocation on a fresh data dir, on top of the restored db.
export const WAL_BYTES = 64 * 1024 ** 2;

// What is always left free: etcd and the system need room on the same filesystems.
export const SPACE_MARGIN = 32 * 1024 ** 2;

// Bytes an unprivileged writer may still use in dir's filesystem.
export const freeBytes = async (dir: string): Promise<number> => {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
};

// Refuses up front when dir's filesystem lacks room for need bytes plus the margin: "<what> needs ~N, M free in DIR".
export const requireSpace = async (dir: string, need: number, what: string, fix: string): Promise<void> => {
  const free = await freeBytes(dir);
  if (free - SPACE_MARGIN < need) {
    throw new AgentError(`${what} needs ~${humanSize(need + SPACE_MARGIN)}, ${humanSize(free)} free in ${dir}; ${fix}`);
  }
};

// How much an unpack into target may write: at most maxBytes, and never more than dir's filesystem can spare
// (the margin kept); past that the unpack stops with "no space left in DIR (target ...)".
export const unpackLimitIn = async (dir: string, target: string, maxBytes: number): Promise<UnpackLimit> => {
  const room = Math.max(0, (await freeBytes(dir)) - SPACE_MARGIN);
  if (room >= maxBytes) return { maxBytes };
  return {
    maxBytes: room,
    overLimit: (archive) => `no space left in ${dir} (target ${target}): unpacking ${archive} needs more than the ${humanSize(room)} free there; free space and try again`,
  };
};
