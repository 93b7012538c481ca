import { loadYaml } from '../format/yaml.ts';
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

// Which charm this is (metadata.yaml's name and subordinate): etcd, the principal, or etcd-backup, the subordinate.
export interface CharmIdentity {
  name: string;
  subordinate: boolean;
}

// The charm's declared surface, read from the charm directory.
export interface CharmFiles {
  root: string;
  identity: CharmIdentity;
  options: Record<string, OptionSpec>;
  actions: Record<string, ActionSpec>;
}

// The texts a charm declares itself in.
export interface CharmTexts {
  config: string;
  actions: string;
  metadata: string;
}

// Finds the charm directory (the one holding metadata.yaml) above this module.
export const findCharmRoot = (from: string = dirname(fileURLToPath(import.meta.url))): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'metadata.yaml')) && existsSync(join(dir, 'actions.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the charm directory (metadata.yaml) above ${from}`);
  }
};

// The parsed charm files, kept beside the bundle by the build (and by the pack, for each charm): used only while
// config.yaml, actions.yaml and metadata.yaml are byte for byte the ones it was made from, so a start reads three
// small files and skips loading a YAML parser.
export const CHARM_CACHE = 'dist/agent/charm-files.json';

// True when the cache was made from exactly these texts (it holds them: comparing needs no hash, so a start need not
// load node:crypto).
const sameTexts = (a: Partial<CharmTexts> | undefined, b: CharmTexts): boolean => a?.config === b.config && a.actions === b.actions && a.metadata === b.metadata;

// Parses config.yaml, actions.yaml and metadata.yaml texts.
export const parseCharmFiles = async (texts: CharmTexts): Promise<Omit<CharmFiles, 'root'>> => {
  const { parse } = await loadYaml();
  const metadata = parse(texts.metadata) as { name?: unknown; subordinate?: unknown };
  return {
    identity: { name: String(metadata.name), subordinate: metadata.subordinate === true },
    options: (parse(texts.config) as { options: Record<string, OptionSpec> }).options,
    actions: parse(texts.actions) as Record<string, ActionSpec>,
  };
};

// The cache file's text for these charm files.
export const renderCharmCache = async (texts: CharmTexts): Promise<string> => JSON.stringify({ texts, ...(await parseCharmFiles(texts)) });

// Reads config.yaml, actions.yaml and metadata.yaml once (from the build's cache when it matches them).
export const loadCharmFiles = async (root: string = findCharmRoot()): Promise<CharmFiles> => {
  const [config, actions, metadata, cached] = await Promise.all(['config.yaml', 'actions.yaml', 'metadata.yaml', CHARM_CACHE].map((name) => readFile(join(root, name), 'utf8').catch(() => undefined)));
  if (config === undefined || actions === undefined || metadata === undefined) throw new Error(`cannot read config.yaml, actions.yaml and metadata.yaml in ${root}`);
  const texts = { config, actions, metadata };
  try {
    const cache = JSON.parse(cached ?? 'null') as ({ texts?: Partial<CharmTexts> } & Omit<CharmFiles, 'root'>) | null;
    if (cache && sameTexts(cache.texts, texts)) return { root, identity: cache.identity, options: cache.options, actions: cache.actions };
  } catch {
    // A damaged cache is only slower: the YAML is parsed.
  }
  return { root, ...(await parseCharmFiles(texts)) };
};
