import type { ActionDefinition } from './action.ts';

// Every action the charm declares, by name, and the CLI's own (delete-snapshot: no actions.yaml entry, so Juju never
// runs it; the CLI adds its spec, src/cli/cli-actions.ts). Each loads only when it runs: list never loads the code of
// restore, verify or snapshot.
export const ACTIONS: Record<string, () => Promise<ActionDefinition>> = {
  snapshot: async () => (await import('./snapshot.ts')).snapshotAction,
  restore: async () => (await import('./restore.ts')).restoreAction,
  'list-snapshots': async () => (await import('./list-snapshots.ts')).listSnapshotsAction,
  'verify-snapshot': async () => (await import('./verify-snapshot.ts')).verifySnapshotAction,
  'prune-snapshots': async () => (await import('./prune-snapshots.ts')).pruneSnapshotsAction,
  'delete-snapshot': async () => (await import('./delete-snapshot.ts')).deleteSnapshotAction,
};
