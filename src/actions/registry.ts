import type { ActionDefinition } from './action.ts';
import { listSnapshotsAction } from './list-snapshots.ts';
import { pruneSnapshotsAction } from './prune-snapshots.ts';
import { restoreAction } from './restore.ts';
import { snapshotAction } from './snapshot.ts';
import { verifySnapshotAction } from './verify-snapshot.ts';

// Every action the charm declares, by name.
export const ACTIONS: Record<string, ActionDefinition> = {
  snapshot: snapshotAction,
  restore: restoreAction,
  'list-snapshots': listSnapshotsAction,
  'verify-snapshot': verifySnapshotAction,
  'prune-snapshots': pruneSnapshotsAction,
};
