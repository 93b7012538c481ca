import type { ActionDefinition } from './action.ts';
import { notImplemented } from './not-implemented.ts';
import { restoreAction } from './restore.ts';
import { snapshotAction } from './snapshot.ts';

// Every action the charm declares, by name.
export const ACTIONS: Record<string, ActionDefinition> = {
  snapshot: snapshotAction,
  restore: restoreAction,
  'list-snapshots': notImplemented('list-snapshots'),
  'verify-snapshot': notImplemented('verify-snapshot'),
  'prune-snapshots': notImplemented('prune-snapshots'),
};
