import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import { downloadChecked } from '../store/download-checked.ts';
import type { SnapshotStore } from '../store/snapshot-store.ts';

// Where a snapshot to restore or verify comes from.
export interface ResolvedSource {
  path: string;
  // How the operator named it: "resource snapshot", a path, a listed name or an s3:// URL.
  label: string;
  // Where it was downloaded from, for off-unit sources.
  url?: string;
}

// Where to look for a source besides the local directories.
export interface SourceOptions {
  searchDirs: string[];
  remote?: SnapshotStore | undefined;
  // A private directory a remote source is downloaded into.
  downloadDir: string;
}

const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

const ATTACH_HINT = 'attach one with `juju attach-resource etcd snapshot=./etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz` or pass source=<path on the unit>';

// Streams a remote snapshot to downloadDir, checking the SHA-256 the store recorded before it is used.
const download = async (remote: SnapshotStore, name: string, options: SourceOptions): Promise<ResolvedSource> => {
  const entry = (await remote.list()).find((s) => s.name === name);
  if (!entry) throw new AgentError(`no snapshot named "${name}" in ${remote.location}; run list-snapshots to see what is there`);
  await mkdir(options.downloadDir, { recursive: true, mode: 0o700 });
  const path = join(options.downloadDir, name);
  await downloadChecked(() => remote.fetch(name), path, entry.sha256, entry.location);
  return { path, label: entry.location, url: entry.location };
};

// Turns the `source` param into a file: empty = the attached resource, an absolute path, an s3:// URL,
// or a name in one of the snapshot dirs or the off-unit store.
export const resolveSource = async (source: string, tools: Pick<HookTools, 'resourceGet'>, options: SourceOptions): Promise<ResolvedSource> => {
  if (source === '') {
    const path = await tools.resourceGet('snapshot');
    if (!path || !(await stat(path).catch(() => undefined))?.size) {
      throw new AgentError(`no source given and no snapshot resource attached; ${ATTACH_HINT}`);
    }
    return { path, label: 'resource snapshot' };
  }
  if (source.startsWith('s3://')) {
    const remote = options.remote;
    if (!remote) throw new AgentError(`source ${source} is in S3 but s3-bucket is not configured; set the s3-* options first`);
    const name = source.split('/').at(-1) ?? '';
    if (!source.startsWith(`${remote.location}/`) || !parseSnapshotName(name)) {
      throw new AgentError(`source ${source} is not a snapshot of this unit in ${remote.location}; run list-snapshots to see what is there`);
    }
    return download(remote, name, options);
  }
  if (source.startsWith('/')) {
    if (!(await isFile(source))) throw new AgentError(`source ${source} does not exist or is not a file on this unit; run list-snapshots to see what is here`);
    return { path: source, label: source };
  }
  if (source.includes('/') || source === '.' || source === '..') {
    throw new AgentError(`source "${source}" must be an absolute path, an s3:// URL or a snapshot name shown by list-snapshots`);
  }
  for (const dir of options.searchDirs) {
    const path = join(dir, source);
    if (await isFile(path)) return { path, label: source };
  }
  if (options.remote && parseSnapshotName(source)) return download(options.remote, source, options);
  const where = [...options.searchDirs, ...(options.remote ? [options.remote.location] : [])].join(' or ');
  throw new AgentError(`no snapshot named "${source}" in ${where}; run list-snapshots to see what is here`);
};
