import { AgentError } from './agent-error.ts';

const NO_SPACE = /ENOSPC|no space left on device/i;

// True when error, or any cause under it, is a full disk: an ENOSPC from Node, or a command that said so on stderr.
export const isNoSpace = (error: unknown): boolean => {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, stderr } = e as Error & { code?: unknown; stderr?: unknown };
    if (code === 'ENOSPC' || NO_SPACE.test(e.message) || (typeof stderr === 'string' && NO_SPACE.test(stderr))) return true;
  }
  return false;
};

// The one line an operator reads for a full disk: where, and what was being written there.
export const noSpaceError = (dir: string, target: string, cause?: unknown): AgentError =>
  new AgentError(`no space left in ${dir} (target ${target}); free space there and try again`, { cause });
