import { readFile } from 'node:fs/promises';
import { checkIdentity } from '../archive/age-keys.ts';
import { AgentError, UsageError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';

// Reads the age identity from a Juju secret's `identity` key (identity-secret); never logs it.
export const identityFromSecret = async (tools: Pick<HookTools, 'secretGet'>, secretId: string): Promise<string | undefined> => {
  if (!secretId) return undefined;
  const identity = (await tools.secretGet(secretId)).identity?.trim();
  if (!identity) throw new AgentError(`Juju secret ${secretId} (identity-secret) has no key "identity"; it must hold the AGE-SECRET-KEY-1... line`);
  checkIdentity(identity);
  return identity;
};

// Reads the age identity from a file (the CLI's --identity-file); never logs it.
export const identityFromFile = async (path: string | undefined, secretId: string): Promise<string | undefined> => {
  if (secretId && !path) throw new UsageError('identity-secret names a Juju secret, which exists only inside Juju; outside it pass --identity-file <age key file>');
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--identity-file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  checkIdentity(text);
  return text;
};
