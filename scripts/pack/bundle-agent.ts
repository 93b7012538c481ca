import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

// A file the bundle reads from disk at run time, and where it goes in the charm.
export interface RuntimeAsset {
  from: string;
  to: string;
}

// The bundled agent: its files (the entry, etcd-agent.mjs, and the chunks it loads when a command needs them),
// relative to AGENT_DIR, and the files they read beside them.
export interface BundledAgent {
  files: { name: string; code: Buffer }[];
  assets: RuntimeAsset[];
  inputs: number;
}

// Where the bundle lives, in the project and in the charm alike (dispatch and bin/etcd-agent run it from there).
export const AGENT_DIR = 'dist/agent';
// The entry point inside AGENT_DIR.
export const AGENT_ENTRY = 'etcd-agent.mjs';

// CommonJS dependencies (ajv, yaml) get a real require and agent.mjs's own path.
const BANNER = [
  "import { createRequire as __agentCreateRequire } from 'node:module';",
  "import { dirname as __agentDirname } from 'node:path';",
  "import { fileURLToPath as __agentFileURLToPath } from 'node:url';",
  'const require = __agentCreateRequire(import.meta.url);',
  'const __agentFilename = __agentFileURLToPath(import.meta.url);',
  'const __agentDir = __agentDirname(__agentFilename);',
].join('\n');

// yargs lays out its help (cliui, wrap-ansi) with string-width, whose module builds an Intl.Segmenter and Unicode
// property regexes as it loads: a tenth of a start, paid by every command. Each import of it gets a stand-in that
// answers printable ASCII itself (its width is its length, as string-width's own fast path says) and loads the real
// module, the very version that import would have had, on the first other string.
const LAZY_STRING_WIDTH = 'lazy-string-width';
const lazyStringWidth = (): Plugin => ({
  name: LAZY_STRING_WIDTH,
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === LAZY_STRING_WIDTH) return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: LAZY_STRING_WIDTH });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: LAZY_STRING_WIDTH };
    });
    b.onLoad({ filter: /.*/, namespace: LAZY_STRING_WIDTH }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: [
        'let real;',
        'export default function stringWidth(input, options) {',
        "  if (typeof input === 'string' && /^[\\u0020-\\u007E]*$/.test(input)) return input.length;",
        `  real ??= require(${JSON.stringify(args.path)}).default;`,
        '  return real(input, options);',
        '}',
      ].join('\n'),
    }));
  },
});

// package.json's version, built into the bundle for --version (a packed charm has no package.json).
const packageVersion = async (root: string): Promise<string> => String((JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version);

// Bundles src/cli/main.ts and every dependency for Node 24: etcd-agent.mjs holds what every command needs, and
// what only some need (etcd's gRPC client, the AWS SDK, age, the scheduler) sits in chunks loaded on first use,
// so a hook with nothing to do starts in a fraction of the time one file of everything takes.
export const bundleAgent = async (root: string): Promise<BundledAgent> => {
  const assets: RuntimeAsset[] = [];
  const outdir = join(root, AGENT_DIR);
  const result = await build({
    absWorkingDir: root,
    entryPoints: { 'etcd-agent': join(root, 'src', 'cli', 'start.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    banner: { js: BANNER },
    define: { __dirname: '__agentDir', __filename: '__agentFilename', __AGENT_VERSION__: JSON.stringify(await packageVersion(root)) },
    plugins: [lazyStringWidth()],
    metafile: true,
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const files = result.outputFiles.map((f) => ({ name: relative(outdir, f.path), code: Buffer.from(f.contents) }));
  if (!files.some((f) => f.name === AGENT_ENTRY)) throw new Error(`esbuild did not write ${AGENT_ENTRY}`);
  return { files, assets, inputs: Object.keys(result.metafile.inputs).length };
};

// Writes the bundle into the project (npm run build), with its runtime assets beside it.
export const writeBundle = async (root: string, agent: BundledAgent): Promise<void> => {
  const outdir = join(root, AGENT_DIR);
  await rm(outdir, { recursive: true, force: true });
  for (const file of agent.files) {
    await mkdir(dirname(join(outdir, file.name)), { recursive: true });
    await writeFile(join(outdir, file.name), file.code);
  }
  for (const asset of agent.assets) {
    await mkdir(dirname(join(root, asset.to)), { recursive: true });
    await copyFile(asset.from, join(root, asset.to));
  }
};
