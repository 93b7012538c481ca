import { loadYaml } from '../format/yaml.ts';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// One option as config.yaml declares it.
export interface OptionSpec {
  type: 'string' | 'int' | 'float' | 'boolean';
  default?: string | number | boolean;
  description: string;
}

// One action as actions.yaml declares it.
export interface ActionSpec {
  description: string;
  params: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: boolean;
}

// The charm's declared surface, read from the charm directory.
export interface CharmFiles {
  root: string;
  options: Record<string, OptionSpec>;
  actions: Record<string, ActionSpec>;
}

// Finds the charm directory (the one holding metadata.yaml) above this module.
export const findCharmRoot = (from: string = dirname(fileURLToPath(import.meta.url))): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'metadata.yaml')) && existsSync(join(dir, 'actions.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the charm directory (metadata.yaml) above ${from}`);
  }
};

// The parsed charm files, kept beside the bundle by the build: used only while config.yaml and actions.yaml are
// byte for byte the ones it was made from, so a start reads two small files and skips loading a YAML parser.
export const CHARM_CACHE = 'dist/agent/charm-files.json';

// The cache's key for the two files' texts.
export const charmFilesKey = (config: string, actions: string): string => createHash('sha256').update(config).update('\0').update(actions).digest('hex');

// Parses config.yaml and actions.yaml texts.
export const parseCharmFiles = async (config: string, actions: string): Promise<Omit<CharmFiles, 'root'>> => {
  const { parse } = await loadYaml();
  return { options: (parse(config) as { options: Record<string, OptionSpec> }).options, actions: parse(actions) as Record<string, ActionSpec> };
};

// Reads config.yaml and actions.yaml once (from the build's cache when it matches them).
export const loadCharmFiles = async (root: string = findCharmRoot()): Promise<CharmFiles> => {
  const [config, actions, cached] = await Promise.all(['config.yaml', 'actions.yaml', CHARM_CACHE].map((name) => readFile(join(root, name), 'utf8').catch(() => undefined)));
  if (config === undefined || actions === undefined) throw new Error(`cannot read config.yaml and actions.yaml in ${root}`);
  const key = charmFilesKey(config, actions);
  try {
    const cache = JSON.parse(cached ?? 'null') as { key: string; options: CharmFiles['options']; actions: CharmFiles['actions'] } | null;
    if (cache?.key === key) return { root, options: cache.options, actions: cache.actions };
  } catch {
    // A damaged cache is only slower: the YAML is parsed.
  }
  return { root, ...(await parseCharmFiles(config, actions)) };
};
