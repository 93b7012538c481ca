// npm run pack: writes both charms from one source, each for every architecture: <charm>_<arch>.charm, plus
// etcd.charm and etcd-backup.charm (the amd64 ones). Each is a deployable zip with the agent bundled under
// dist/agent/, its own stripped Node runtime, and no node_modules.
import { copyFile, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHITECTURES } from './pack/architectures.ts';
import { bundleAgent } from './pack/bundle-agent.ts';
import { charmEntries, runtimeEntries, sharedEntries, variantEntries } from './pack/charm-entries.ts';
import { charmVariants } from './pack/charm-variants.ts';
import { findNodeRuntime } from './pack/node-runtime.ts';
import { stripRuntime } from './pack/strip-runtime.ts';
import { writeZip } from './pack/write-zip.ts';
import { zipCompressor } from './pack/zip-compressor.ts';

// Deflate level: 6 is zlib's default; level 1 is ~1.4 s faster on the Node binary but ~4 MB larger, level 9 ~5 s slower for 0.2 MB.
const COMPRESSION_LEVEL = 6;

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();
const epoch = Number(process.env.SOURCE_DATE_EPOCH);
const mtime = Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date();
const work = await mkdtemp(join(tmpdir(), 'etcd-charm-pack-'));
try {
  const [agent, variants, runtimes] = await Promise.all([
    bundleAgent(root),
    charmVariants(root),
    Promise.all(ARCHITECTURES.map(async (arch) => stripRuntime(await findNodeRuntime(root, arch), work))),
  ]);
  const shared = await sharedEntries(root, agent);
  const compress = zipCompressor(COMPRESSION_LEVEL);
  const lines: string[] = [];
  process.stdout.write(`agent: ${(agent.files.reduce((n, f) => n + f.code.length, 0) / 1024).toFixed(0)} KiB in ${agent.files.length} files from ${agent.inputs} modules\n`);
  for (const runtime of runtimes) {
    process.stdout.write(`runtime: node ${runtime.version} linux ${runtime.architecture.npmCpu}, stripped from ${mib(runtime.bytesBefore)} to ${mib(runtime.bytes)} MiB\n`);
  }
  const charms = await Promise.all(
    variants.map(async (variant) => {
      const own = await variantEntries(root, variant);
      return Promise.all(
        runtimes.map(async (runtime) => {
          const name = `${variant.name}_${runtime.architecture.juju}.charm`;
          const zip = await writeZip(charmEntries(shared, own, runtimeEntries(runtime)), join(root, name), { compress, mtime });
          lines.push(`${name}: ${mib(zip.bytes)} MiB (${zip.bytes} bytes, ${zip.entries} entries)`);
          return { variant, runtime, name, zip };
        }),
      );
    }),
  );
  // etcd.charm and etcd-backup.charm: the same bytes as the first architecture's.
  for (const [first] of charms) {
    const alias = `${first!.variant.name}.charm`;
    const partial = join(root, `${alias}.${process.pid}.partial`);
    await copyFile(join(root, first!.name), partial);
    await rename(partial, join(root, alias));
    lines.push(`${alias}: ${mib(first!.zip.bytes)} MiB (${first!.zip.bytes} bytes, ${first!.zip.entries} entries), the same as ${first!.name}`);
  }
  process.stdout.write(`${lines.sort().join('\n')}\npacked ${lines.length} charms in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
