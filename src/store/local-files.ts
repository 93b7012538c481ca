import { createReadStream, type ReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, unlink } from 'node:fs/promises';
import { AgentError } from '../errors/agent-error.ts';
import { syncDir } from '../fs/atomic-file.ts';

// The file operations the unit's stores share (archives and delta segments in one directory), each failing with an
// AgentError that names the path and the store (`where`).

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

// Why a file operation failed, in an operator's words.
const why = (error: unknown): string => {
  const code = codeOf(error);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'ENOSPC') return 'no space left on the device';
  return error instanceof Error ? error.message : String(error);
};

// The names in dir; none when dir does not exist. `what` says what was being listed.
export const namesIn = async (dir: string, where: string, what: string): Promise<string[]> => {
  try {
    return await readdir(dir);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return [];
    throw new AgentError(`cannot list ${what} in store ${where} (${why(error)})`, { cause: error });
  }
};

// lstat of path; undefined when it has just gone.
export const statIn = (path: string, where: string): Promise<Stats | undefined> =>
  lstat(path).catch((error: unknown) => {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw new AgentError(`cannot read ${path} in store ${where} (${why(error)})`, { cause: error });
  });

// A stream of a regular file's bytes; `missing` is the message when there is no such file.
export const readFileIn = async (path: string, where: string, missing: string, signal?: AbortSignal): Promise<ReadStream> => {
  const handle = await open(path, 'r').catch((error: unknown) => {
    if (codeOf(error) === 'ENOENT') throw new AgentError(missing);
    throw new AgentError(`cannot read ${path} in store ${where} (${why(error)})`, { cause: error });
  });
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new AgentError(`${path} in store ${where} is not a regular file`);
  }
  return createReadStream(path, { fd: handle, highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
};

// Removes each path (one already gone is not an error), then syncs dir.
export const removeIn = async (dir: string, paths: string[], where: string): Promise<void> => {
  for (const path of paths) {
    try {
      await unlink(path);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') continue;
      throw new AgentError(`cannot remove ${path} from store ${where} (${why(error)})`, { cause: error });
    }
  }
  await syncDir(dir).catch(() => undefined);
};
