import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_DIR, type BundledAgent } from './bundle-agent.ts';
import { CHARM_CACHE, renderCharmCache } from '../../src/charm/charm-files.ts';
import { renderManifest } from './charm-manifest.ts';
import type { CharmVariant } from './charm-variants.ts';
import type { NodeRuntime } from './node-runtime.ts';
import type { ZipEntry } from './write-zip.ts';
import { observabilityEntries } from './observability-entries.ts';

// Files every charm takes from the repository as they are; README.md only when present.
const SHARED_FILES = ['actions.yaml', 'LICENSE', 'icon.svg'];

const fileEntry = async (root: string, name: string, executable = false): Promise<ZipEntry> => {
  const source = join(root, name);
  const mode = (await stat(source)).mode;
  if (executable && (mode & 0o111) === 0) throw new Error(`${name} is not executable; chmod +x ${name}`);
  return { name, source, mode: mode & 0o111 ? 0o755 : 0o644 };
};

// The parts every charm shares whatever its architecture: the repository's files, dispatch, the hooks and the agent.
export const sharedEntries = async (root: string, agent: BundledAgent): Promise<ZipEntry[]> => {
  const entries = await Promise.all(SHARED_FILES.map((name) => fileEntry(root, name)));
  if ((await readdir(root)).includes('README.md')) entries.push(await fileEntry(root, 'README.md'));
  entries.push(await fileEntry(root, 'dispatch', true));
  for (const hook of (await readdir(join(root, 'hooks'))).sort()) entries.push(await fileEntry(root, `hooks/${hook}`, true));
  for (const file of agent.files) entries.push({ name: `${AGENT_DIR}/${file.name}`, source: file.code, mode: 0o644 });
  for (const asset of agent.assets) entries.push({ name: asset.to, source: asset.from, mode: 0o644 });
  entries.push(...(await observabilityEntries(root)));
  return entries;
};

// What one charm's own files are: metadata.yaml, config.yaml and the parsed charm files the agent starts from.
export const variantEntries = async (root: string, variant: CharmVariant): Promise<ZipEntry[]> => {
  const actions = await readFile(join(root, 'actions.yaml'), 'utf8');
  const cache = await renderCharmCache({ config: variant.config, actions, metadata: variant.metadata });
  return [
    { name: 'metadata.yaml', source: Buffer.from(variant.metadata), mode: 0o644 },
    { name: 'config.yaml', source: Buffer.from(variant.config), mode: 0o644 },
    { name: CHARM_CACHE, source: Buffer.from(cache), mode: 0o644 },
  ];
};

// The entries one architecture brings: manifest.yaml with its bases, and the Node runtime under runtime/.
export const runtimeEntries = (runtime: NodeRuntime): ZipEntry[] => [
  { name: 'manifest.yaml', source: Buffer.from(renderManifest(runtime.architecture.juju)), mode: 0o644 },
  { name: 'runtime/LICENSE', source: runtime.license, mode: 0o644 },
  { name: 'runtime/bin/node', source: runtime.binary, mode: 0o755 },
];

// Every entry of one charm for one architecture, sorted by name, so the archive's order never depends on how the parts were gathered.
export const charmEntries = (shared: readonly ZipEntry[], own: readonly ZipEntry[], runtime: readonly ZipEntry[]): ZipEntry[] =>
  [...shared, ...own, ...runtime].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
