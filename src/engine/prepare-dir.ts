import { access, constants, mkdir, stat } from 'node:fs/promises';
import { AgentError } from '../errors/agent-error.ts';

// Makes sure dir exists (created 0700 when missing) and that this user can write into it.
export const prepareDir = async (dir: string, option: string): Promise<void> => {
  if (!dir.startsWith('/')) throw new AgentError(`${option} must be an absolute path, got "${dir}"`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new AgentError(`${option} ${dir} exists and is not a directory; choose another ${option}`);
    throw new AgentError(`cannot create ${option} ${dir} (${code}); choose a directory this unit can write to`);
  }
  const info = await stat(dir);
  if (!info.isDirectory()) throw new AgentError(`${option} ${dir} is not a directory; choose another ${option}`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new AgentError(`${option} ${dir} is not writable by uid ${process.getuid?.() ?? '?'}; fix its permissions or choose another ${option}`);
  }
};
