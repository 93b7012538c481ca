import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';

// Where a snapshot to restore or verify comes from.
export interface ResolvedSource {
  path: string;
  // How the operator named it: "resource snapshot", a path, or a listed name.
  label: string;
}

const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

const ATTACH_HINT = 'attach one with `juju attach-resource etcd snapshot=./etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz` or pass source=<path on the unit>';

// Turns the `source` param into a file: empty = the attached resource, an absolute path, or a name in one of the snapshot dirs.
export const resolveSource = async (source: string, tools: HookTools, searchDirs: string[]): Promise<ResolvedSource> => {
  if (source === '') {
    const path = await tools.resourceGet('snapshot');
    if (!path || !(await stat(path).catch(() => undefined))?.size) {
      throw new AgentError(`no source given and no snapshot resource attached; ${ATTACH_HINT}`);
    }
    return { path, label: 'resource snapshot' };
  }
  if (source.startsWith('/')) {
    if (!(await isFile(source))) throw new AgentError(`source ${source} does not exist or is not a file on this unit; run list-snapshots to see what is here`);
    return { path: source, label: source };
  }
  if (source.includes('/') || source === '.' || source === '..') {
    throw new AgentError(`source "${source}" must be an absolute path or a snapshot name shown by list-snapshots`);
  }
  for (const dir of searchDirs) {
    const path = join(dir, source);
    if (await isFile(path)) return { path, label: source };
  }
  throw new AgentError(`no snapshot named "${source}" in ${searchDirs.join(' or ')}; run list-snapshots to see what is here`);
};
