import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// Set by the bundler (scripts/pack/bundle-agent.ts) to package.json's version; absent when run from source.
declare const __AGENT_VERSION__: string | undefined;

// The agent's version: the one built into the bundle, else package.json's beside the charm files (read only for --version).
export const agentVersion = async (root: string): Promise<string> => {
  if (typeof __AGENT_VERSION__ === 'string') return __AGENT_VERSION__;
  const text = await readFile(join(root, 'package.json'), 'utf8').catch(() => undefined);
  const version = text === undefined ? undefined : (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown (no package.json beside the charm files)';
};
