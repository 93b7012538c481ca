import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';
import { RUN_TAG } from '../system/process-tag.ts';

let partials = 0;

// A hidden temporary name beside the final one, carrying this process's pid and start time so a later run
// can tell it from a live one; never matches the snapshot name pattern.
export const partialName = (finalPath: string): string =>
  join(dirname(finalPath), `.${basename(finalPath)}.partial-${RUN_TAG}-${++partials}`);

// Flushes a directory's entries to disk so a rename inside it survives a crash.
export const syncDir = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

// Writes a file under a temporary name, then gives it its final name in one step.
// `write` must create the temp file exclusively ('wx') and flush it to disk before it resolves.
// With exclusive=true an existing final file is never replaced.
export const writeAtomically = async (
  finalPath: string,
  write: (tempPath: string) => Promise<void>,
  options: { exclusive: boolean },
): Promise<void> => {
  const temp = partialName(finalPath);
  try {
    await write(temp);
    if (options.exclusive) {
      try {
        await link(temp, finalPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new AgentError(`${finalPath} already exists and is never overwritten; wait a second and take the snapshot again`);
        }
        throw error;
      }
      await unlink(temp);
    } else {
      await rename(temp, finalPath);
    }
    await syncDir(dirname(finalPath));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
};

// Writes a small text file atomically with the given mode, fsynced.
export const writeTextAtomically = (finalPath: string, text: string, mode: number): Promise<void> =>
  writeAtomically(
    finalPath,
    async (temp) => {
      const handle = await open(temp, 'wx', mode);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    { exclusive: false },
  );
