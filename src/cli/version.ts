import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// The agent's version: package.json's, beside the charm files (read only for --version).
export const agentVersion = async (root: string): Promise<string> => {
  const text = await readFile(join(root, 'package.json'), 'utf8').catch(() => undefined);
  const version = text === undefined ? undefined : (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown (no package.json beside the charm files)';
};
