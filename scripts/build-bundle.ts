// npm run build (after tsc): bundles the agent into dist/agent/, which dispatch and bin/etcd-agent run.
import { fileURLToPath } from 'node:url';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHARM_CACHE, renderCharmCache } from '../src/charm/charm-files.ts';
import { bundleAgent, writeBundle } from './pack/bundle-agent.ts';
import { writeEncodedDashboards } from './pack/encode-dashboards.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
await writeBundle(root, await bundleAgent(root));
await writeEncodedDashboards(root);
// The charm files parsed once here, so the agent need not load a YAML parser at start.
const [config, actions, metadata] = await Promise.all(['config.yaml', 'actions.yaml', 'metadata.yaml'].map((name) => readFile(join(root, name), 'utf8')));
await writeFile(join(root, CHARM_CACHE), await renderCharmCache({ config: config!, actions: actions!, metadata: metadata! }));
