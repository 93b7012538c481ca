import type { ActionDefinition } from './action.ts';
import { deleteSnapshotAction } from './delete-snapshot.ts';
import { listSnapshotsAction } from './list-snapshots.ts';
import { pruneSnapshotsAction } from './prune-snapshots.ts';
import { restoreAction } from './restore.ts';
import { snapshotAction } from './snapshot.ts';
import { verifySnapshotAction } from './verify-snapshot.ts';

// Every action the charm declares, by name, and the CLI's own (delete-snapshot: no actions.yaml entry, so Juju never
// runs it; the CLI adds its spec, src/cli/cli-actions.ts).
export const ACTIONS: Record<string, ActionDefinition> = {
  snapshot: snapshotAction,
  restore: restoreAction,
  'list-snapshots': listSnapshotsAction,
  'verify-snapshot': verifySnapshotAction,
  'prune-snapshots': pruneSnapshotsAction,
  'delete-snapshot': deleteSnapshotAction,
};
