import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { AgentError } from '../errors/agent-error.ts';

// Suffix of the sha256sum-format file beside each archive.
export const SIDECAR_SUFFIX = '.sha256';

// The moment a store name stands for; refuses any name that is not this charm's exact pattern.
export const checkSnapshotName = (name: string, location: string): Date => {
  const created = parseSnapshotName(name);
  if (!created) {
    throw new AgentError(
      `refusing snapshot name ${JSON.stringify(name)} in store ${location}: only this charm's archives (etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz) are handled`,
    );
  }
  return created;
};

// Orders snapshots newest first (ties: name, then location, both descending), for sort().
export const newestFirst = (a: { created: Date; name: string; location: string }, b: { created: Date; name: string; location: string }): number =>
  b.created.getTime() - a.created.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0) || (a.location < b.location ? -1 : a.location > b.location ? 1 : 0);
