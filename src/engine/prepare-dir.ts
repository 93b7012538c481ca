import { access, constants, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';
import { exists } from './data-dir.ts';

// Creates the missing levels of dir one by one (0700), refusing clearly where one cannot be made.
// (mkdir's own recursive mode can spin forever on filesystems such as /proc.)
const createLevels = async (dir: string, option: string): Promise<void> => {
  const missing: string[] = [];
  let probe = dir;
  while (!(await exists(probe))) {
    missing.unshift(probe);
    if (dirname(probe) === probe) break;
    probe = dirname(probe);
  }
  for (const level of missing) {
    try {
      await mkdir(level, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      const why = code === 'ENOTDIR' ? `${dirname(level)} is not a directory` : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : String(code);
      throw new AgentError(`cannot create ${option} ${dir} (${why}); choose a directory this unit can write to`);
    }
  }
};

// Makes sure dir exists (created 0700 when missing) and that this user can write into it.
export const prepareDir = async (dir: string, option: string): Promise<void> => {
  if (!dir.startsWith('/')) throw new AgentError(`${option} must be an absolute path, got "${dir}"`);
  await createLevels(dir, option);
  const info = await stat(dir);
  if (!info.isDirectory()) throw new AgentError(`${option} ${dir} exists and is not a directory; choose another ${option}`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new AgentError(`${option} ${dir} is not writable by uid ${process.getuid?.() ?? '?'}; fix its permissions or choose another ${option}`);
  }
};
