import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHITECTURES, type Architecture } from './architectures.ts';
import { fetchRuntime } from './fetch-runtime.ts';

// A Node runtime a charm ships: the registry's node-linux-<cpu> build of the project's pinned Node.
export interface NodeRuntime {
  binary: string;
  license: string;
  version: string;
  architecture: Architecture;
}

type Json = Record<string, unknown>;

const readJson = async (file: string): Promise<Json> => JSON.parse(await readFile(file, 'utf8')) as Json;

const packageName = (arch: Architecture): string => `node-linux-${arch.npmCpu}`;

// The Node version package.json pins: every node-linux-<cpu> in optionalDependencies, all the same version
// (the host's one is node_modules/.bin/node, which runs the npm scripts).
export const pinnedNodeVersion = (manifest: Json): string => {
  const optional = (manifest.optionalDependencies ?? {}) as Record<string, string>;
  const pins = ARCHITECTURES.map((arch) => [packageName(arch), optional[packageName(arch)]] as const);
  const missing = pins.filter(([, version]) => !version).map(([name]) => name);
  if (missing.length > 0) throw new Error(`package.json does not pin ${missing.join(', ')} in optionalDependencies; npm install --save-exact --save-optional ${missing.map((n) => `${n}@<version>`).join(' ')}`);
  const versions = new Set(pins.map(([, version]) => version));
  if (versions.size !== 1) throw new Error(`package.json pins different Node versions (${pins.map(([n, v]) => `${n}@${v}`).join(', ')}); pin every node-linux-<cpu> to the same version`);
  return pins[0]![1]!;
};

// Finds the runtime for arch: the one npm ci installed (this host's cpu), or the registry's package fetched at
// the integrity package-lock.json records. Either way it is the version package.json pins.
export const findNodeRuntime = async (root: string, arch: Architecture): Promise<NodeRuntime> => {
  const name = packageName(arch);
  const version = pinnedNodeVersion(await readJson(join(root, 'package.json')));
  const locked = ((await readJson(join(root, 'package-lock.json'))).packages as Record<string, Json>)[`node_modules/${name}`];
  if (locked?.version !== version || typeof locked.integrity !== 'string') throw new Error(`package-lock.json does not lock ${name}@${version}; run npm install`);
  const installed = join(root, 'node_modules', name);
  let dir: string;
  if (existsSync(join(installed, 'package.json'))) {
    const found = String((await readJson(join(installed, 'package.json'))).version);
    if (found !== version) throw new Error(`node_modules has ${name}@${found} but package.json pins ${version}; run npm ci`);
    dir = installed;
  } else {
    dir = await fetchRuntime(root, name, version, locked.integrity);
  }
  const shipped = String((await readJson(join(dir, 'package.json'))).version);
  if (shipped !== version) throw new Error(`${dir} holds ${name}@${shipped}, not the pinned ${version}`);
  return { binary: join(dir, 'bin', 'node'), license: join(dir, 'LICENSE'), version, architecture: arch };
};
