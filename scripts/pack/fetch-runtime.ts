import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { x as untar } from 'tar';

// The files of a node-linux-<cpu> package the charm uses.
const KEPT = ['package/bin/node', 'package/LICENSE', 'package/package.json'];

const sha512 = async (file: string): Promise<string> => {
  const hash = createHash('sha512');
  await pipeline(createReadStream(file), hash);
  return `sha512-${hash.digest('base64')}`;
};

// Where fetched runtimes are kept: inside node_modules, so npm ci starts them afresh.
export const runtimeCacheDir = (root: string): string => join(root, 'node_modules', '.cache', 'etcd-charm');

// The package npm ci could not install on this host (another cpu): fetched once with `npm pack` from the registry,
// checked against the integrity package-lock.json records, and kept unpacked under runtimeCacheDir.
export const fetchRuntime = async (root: string, name: string, version: string, integrity: string): Promise<string> => {
  const dir = join(runtimeCacheDir(root), `${name}-${version}`);
  if (existsSync(join(dir, 'package.json'))) return dir;
  await mkdir(runtimeCacheDir(root), { recursive: true });
  const work = await mkdtemp(join(runtimeCacheDir(root), `.${name}-`));
  try {
    const packed = await execa('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', work], { cwd: work, reject: false });
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (packed.exitCode !== 0 || !tarball) throw new Error(`npm pack ${name}@${version} failed (${packed.stderr.trim().split('\n').at(-1) ?? `exit ${packed.exitCode}`}); the registry must be reachable once to pack this architecture`);
    const actual = await sha512(join(work, tarball));
    if (actual !== integrity) throw new Error(`${name}@${version} from the registry has integrity ${actual}, not ${integrity} as package-lock.json records; refusing to ship it`);
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await untar({ file: join(work, tarball), cwd: unpacked, strip: 1, filter: (path) => KEPT.includes(path) });
    for (const file of KEPT) if (!existsSync(join(unpacked, file.slice('package/'.length)))) throw new Error(`${name}@${version} has no ${file}`);
    await rename(unpacked, dir);
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};
