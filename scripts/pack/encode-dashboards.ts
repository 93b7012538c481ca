import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Where the build leaves the charm's dashboards encoded for the cos_agent relation, relative to the project.
export const ENCODED_DASHBOARDS = 'dist/agent/cos-dashboards.json';

// The dashboards of src/grafana_dashboards, each xz-compressed (stock xz, a format Python's lzma.decompress reads, as
// the COS libraries decode them) and base64 encoded; done once at build time, so no unit needs an LZMA library.
export const encodeDashboards = async (root: string): Promise<string[]> => {
  const dir = join(root, 'src', 'grafana_dashboards');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (name) => execFileSync('xz', ['--format=xz', '--stdout', '-9'], { input: await readFile(join(dir, name)) }).toString('base64')));
};

// Writes ENCODED_DASHBOARDS.
export const writeEncodedDashboards = async (root: string): Promise<void> => writeFile(join(root, ENCODED_DASHBOARDS), `${JSON.stringify(await encodeDashboards(root))}\n`);
