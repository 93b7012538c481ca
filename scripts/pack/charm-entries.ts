import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AGENT_DIR, type BundledAgent } from './bundle-agent.ts';
import { CHARM_CACHE } from '../../src/charm/charm-files.ts';
import { renderManifest } from './charm-manifest.ts';
import type { NodeRuntime } from './node-runtime.ts';
import type { ZipEntry } from './write-zip.ts';
import { observabilityEntries } from './observability-entries.ts';

// Files copied from the charm directory as they are; README.md only when present.
const CHARM_FILES = ['metadata.yaml', 'actions.yaml', 'config.yaml'];

const fileEntry = async (root: string, name: string, executable = false): Promise<ZipEntry> => {
  const source = join(root, name);
  const mode = (await stat(source)).mode;
  if (executable && (mode & 0o111) === 0) throw new Error(`${name} is not executable; chmod +x ${name}`);
  return { name, source, mode: mode & 0o111 ? 0o755 : 0o644 };
};

// Everything etcd.charm holds: charm files, dispatch, hooks, manifest.yaml, the bundled agent and its run-time files, runtime/.
export const charmEntries = async (root: string, agent: BundledAgent, runtime: NodeRuntime): Promise<ZipEntry[]> => {
  const entries = await Promise.all(CHARM_FILES.map((name) => fileEntry(root, name)));
  if ((await readdir(root)).includes('README.md')) entries.push(await fileEntry(root, 'README.md'));
  entries.push(await fileEntry(root, 'dispatch', true));
  for (const hook of (await readdir(join(root, 'hooks'))).sort()) entries.push(await fileEntry(root, `hooks/${hook}`, true));
  const metadata = parse(await readFile(join(root, 'metadata.yaml'), 'utf8')) as { series?: string[] };
  entries.push({ name: 'manifest.yaml', source: Buffer.from(renderManifest(metadata.series ?? [], runtime.architecture)), mode: 0o644 });
  entries.push({ name: CHARM_CACHE, source: join(root, CHARM_CACHE), mode: 0o644 });
  for (const file of agent.files) entries.push({ name: `${AGENT_DIR}/${file.name}`, source: file.code, mode: 0o644 });
  for (const asset of agent.assets) entries.push({ name: asset.to, source: asset.from, mode: 0o644 });
  entries.push(...(await observabilityEntries(root)));
  entries.push({ name: 'runtime/LICENSE', source: runtime.license, mode: 0o644 });
  entries.push({ name: 'runtime/bin/node', source: runtime.binary, mode: 0o755 });
  return entries;
};
