import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

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

// Reads config.yaml and actions.yaml once.
export const loadCharmFiles = (root: string = findCharmRoot()): CharmFiles => {
  const config = parse(readFileSync(join(root, 'config.yaml'), 'utf8')) as { options: Record<string, OptionSpec> };
  const actions = parse(readFileSync(join(root, 'actions.yaml'), 'utf8')) as Record<string, ActionSpec>;
  return { root, options: config.options, actions };
};
