import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors/agent-error.ts';
import { loadYaml } from '../format/yaml.ts';

// Reads a YAML (or JSON) map of config options, e.g. written by the charm for its scheduler service; label names the
// file in messages (`--config-file <path>`, or `config file <path>` for the default one).
export const readConfigFile = async (path: string | undefined, label = `--config-file ${path}`): Promise<Record<string, unknown>> => {
  if (!path) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${label} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    const { parse } = await loadYaml();
    value = parse(text);
  } catch (error) {
    throw new UsageError(`${label} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${label} must hold a map of config options (option: value)`);
  return value as Record<string, unknown>;
};
