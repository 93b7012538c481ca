import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

// One charm packed from the repository: its name, and the texts of its metadata.yaml and config.yaml
// (actions.yaml, dispatch, hooks and the agent are the same for every charm).
export interface CharmVariant {
  name: string;
  subordinate: boolean;
  metadata: string;
  config: string;
}

// Options only the principal has: the subordinate runs beside an etcd it does not manage.
export const PRINCIPAL_ONLY_OPTIONS = ['etcd-install'];

// Where the subordinate's own metadata keys live; everything else is the principal's.
export const SUBORDINATE_METADATA = 'charms/etcd-backup/metadata.yaml';

type Metadata = Record<string, unknown>;

// The order of the subordinate's metadata keys, as a reader expects them; any other key follows.
const KEY_ORDER = ['name', 'display-name', 'summary', 'description', 'maintainers', 'subordinate', 'assumes', 'requires', 'peers', 'resources'];

// Checks the principal's metadata.yaml as the pack ships it: bases are in manifest.yaml, not the deprecated series.
export const checkPrincipalMetadata = (text: string): Metadata => {
  const metadata = parse(text) as Metadata;
  if ('series' in metadata) throw new Error('metadata.yaml has the deprecated series key; bases are written to manifest.yaml (scripts/pack/charm-manifest.ts), remove series');
  if (typeof metadata.name !== 'string') throw new Error('metadata.yaml has no name');
  return metadata;
};

// The subordinate's metadata.yaml: the principal's, with the subordinate's own keys laid over it.
export const subordinateMetadata = (principal: string, own: string): string => {
  const base = checkPrincipalMetadata(principal);
  const overlay = parse(own) as Metadata;
  if (overlay.subordinate !== true) throw new Error(`${SUBORDINATE_METADATA} must say subordinate: true`);
  const merged: Metadata = { ...base, ...overlay };
  const first = Object.keys(merged).filter((key) => KEY_ORDER.includes(key)).sort((a, b) => KEY_ORDER.indexOf(a) - KEY_ORDER.indexOf(b));
  const ordered = Object.fromEntries([...first, ...Object.keys(merged).filter((key) => !KEY_ORDER.includes(key))].map((key) => [key, merged[key]]));
  return stringify(ordered, { lineWidth: 0 });
};

// config.yaml without the given options: each one's block (its line and the lines indented under it) is cut from
// the text, so the rest stays byte for byte; an option that is not there is fine. The result is checked by parsing.
export const configWithout = (config: string, drop: readonly string[]): string => {
  const ending = config.endsWith('\n') ? '\n' : '';
  const lines = config.slice(0, config.length - ending.length).split('\n');
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const option = /^ {2}([a-z0-9-]+):\s*$/.exec(line)?.[1];
    if (option !== undefined || /^\S/.test(line)) dropping = option !== undefined && drop.includes(option);
    if (!dropping) kept.push(line);
  }
  const text = kept.join('\n') + ending;
  const before = (parse(config) as { options: Record<string, unknown> }).options;
  const after = (parse(text) as { options: Record<string, unknown> }).options;
  const expected = Object.fromEntries(Object.entries(before).filter(([name]) => !drop.includes(name)));
  if (JSON.stringify(after) !== JSON.stringify(expected)) throw new Error(`config.yaml could not be cut without ${drop.join(', ')}: an option is not written as "  name:" with its keys indented under it`);
  return text;
};

// The two charms: the principal (the repository's own files) and the etcd-backup subordinate made from them.
export const charmVariants = async (root: string): Promise<CharmVariant[]> => {
  const [metadata, config, own] = await Promise.all(['metadata.yaml', 'config.yaml', SUBORDINATE_METADATA].map((name) => readFile(join(root, name), 'utf8')));
  const principal = checkPrincipalMetadata(metadata!);
  const subordinate = subordinateMetadata(metadata!, own!);
  return [
    { name: String(principal.name), subordinate: false, metadata: metadata!, config: config! },
    { name: String((parse(subordinate) as Metadata).name), subordinate: true, metadata: subordinate, config: configWithout(config!, PRINCIPAL_ONLY_OPTIONS) },
  ];
};
