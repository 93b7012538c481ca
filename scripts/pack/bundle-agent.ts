import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';

// A file the bundle reads from disk at run time, and where it goes in the charm.
export interface RuntimeAsset {
  from: string;
  to: string;
}

// The bundled agent: agent.mjs's text and the files it needs beside it.
export interface BundledAgent {
  code: Buffer;
  assets: RuntimeAsset[];
  inputs: number;
}

// Where the charm keeps etcd3's gRPC definitions, relative to agent.mjs.
export const ETCD3_PROTO_DIR = 'proto/etcd3';

// CommonJS dependencies (etcd3, @grpc/grpc-js, winston) get a real require and agent.mjs's own path.
const BANNER = [
  "import { createRequire as __agentCreateRequire } from 'node:module';",
  "import { dirname as __agentDirname } from 'node:path';",
  "import { fileURLToPath as __agentFileURLToPath } from 'node:url';",
  'const require = __agentCreateRequire(import.meta.url);',
  'const __agentFilename = __agentFileURLToPath(import.meta.url);',
  'const __agentDir = __agentDirname(__agentFilename);',
].join('\n');

const ETCD3_PROTO_PATH = '`${__dirname}/../proto/rpc.proto`';

// etcd3 loads rpc.proto (which imports kv.proto and auth.proto) from ../proto at import time: point it at the
// charm's copy and ship that directory; fail the pack if etcd3 stops matching so a silent break cannot ship.
const etcd3Protos = (assets: RuntimeAsset[]): Plugin => ({
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (source.split(ETCD3_PROTO_PATH).length !== 2) throw new Error(`etcd3 no longer loads ${ETCD3_PROTO_PATH} in ${args.path}; update scripts/pack/bundle-agent.ts`);
      const protoDir = join(dirname(args.path), '..', 'proto');
      for (const name of (await readdir(protoDir)).filter((n) => n.endsWith('.proto')).sort()) {
        assets.push({ from: join(protoDir, name), to: `${ETCD3_PROTO_DIR}/${name}` });
      }
      return { contents: source.replace(ETCD3_PROTO_PATH, `\`\${__dirname}/${ETCD3_PROTO_DIR}/rpc.proto\``), loader: 'js' };
    });
  },
});

// Bundles src/cli/main.ts and every dependency into one ESM file for Node 24.
export const bundleAgent = async (root: string): Promise<BundledAgent> => {
  const assets: RuntimeAsset[] = [];
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile: join(root, 'agent.mjs'),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    banner: { js: BANNER },
    define: { __dirname: '__agentDir', __filename: '__agentFilename' },
    plugins: [etcd3Protos(assets)],
    metafile: true,
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw new Error(`esbuild wrote ${result.outputFiles.length} files, expected agent.mjs alone`);
  if (assets.length === 0) throw new Error('the bundle does not include etcd3, so its .proto files were not found');
  return { code: Buffer.from(output.contents), assets, inputs: Object.keys(result.metafile.inputs).length };
};
