import { pruneSnapshots } from '../engine/prune-snapshots.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';

// The prune-snapshots action: applies snapshot-retention to snapshot-dir now (or, with dry-run, reports what it would do).
export const pruneSnapshotsAction: ActionDefinition = {
  name: 'prune-snapshots',
  exclusive: true,
  async run(context) {
    const dryRun = context.params['dry-run'] === true;
    const retention = context.config.snapshotRetention;
    const store = context.stores.local(context.config.snapshotDir);
    const outcome = await pruneSnapshots(store, retention, {
      dryRun,
      onRemove: (snapshot) =>
        context.log.info(`${dryRun ? 'would remove' : 'removed'} scheduled snapshot ${snapshot.name} from ${store.dir} (keeping the newest ${retention} scheduled)`),
    });
    const results: Results = {
      'dry-run': String(dryRun),
      retention: String(retention),
      kept: String(outcome.kept.length),
    };
    outcome.removed.forEach((snapshot, index) => {
      results[`removed.${index + 1}`] = snapshot.name;
    });
    context.log.info(`prune-snapshots: ${dryRun ? 'would remove' : 'removed'} ${outcome.removed.length}, kept ${outcome.kept.length} in ${store.dir}`);
    return results;
  },
};
