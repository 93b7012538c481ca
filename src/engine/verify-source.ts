import { join } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';
import type { SnapshotStore } from '../store/snapshot-store.ts';
import { listSnapshots } from './list-snapshots.ts';
import { resolveSource, type ResolvedSource } from './resolve-source.ts';

// Where verify looks for its source.
export interface VerifySourceOptions {
  snapshotDir: string;
  // The message when there is no source and snapshotDir is empty.
  hint?: string | undefined;
  // The snapshots in snapshotDir (the newest is the default source).
  local: SnapshotStore;
  // The off-unit store, asked for only when a name or s3:// URL needs it.
  remote?: (() => Promise<SnapshotStore | undefined>) | undefined;
  // A private directory a remote source is downloaded into.
  downloadDir: string;
}

// verify never reads the attached resource: an empty source means the newest local snapshot.
const NO_RESOURCE = { resourceGet: async (): Promise<undefined> => undefined };

// Turns verify's `source` into a file: empty = the newest snapshot in snapshot-dir, else a path, a listed name or an s3:// URL.
export const resolveVerifySource = async (source: string, options: VerifySourceOptions): Promise<ResolvedSource> => {
  if (source === '') {
    const [newest] = await listSnapshots([options.local]);
    if (!newest) {
      throw new AgentError(options.hint ?? `no source given and no snapshot in snapshot-dir ${options.snapshotDir}; take one with the snapshot action or pass source=<path or name>`);
    }
    return { path: join(options.snapshotDir, newest.name), label: newest.name };
  }
  const remote = source.startsWith('/') ? undefined : await options.remote?.();
  return resolveSource(source, NO_RESOURCE, { searchDirs: [options.snapshotDir], remote, downloadDir: options.downloadDir });
};
