import { pruneSnapshots } from '../engine/prune-snapshots.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';

// The prune-snapshots action: applies snapshot-retention to snapshot-dir now (or, with dry-run, reports what it would
// do). A removed base takes its chain's delta segments with it; segments whose base is gone (older than the oldest
// kept base) go too: segments-removed, and chains.<i>.base (or, for those, chains.<i>.orphaned), .stamp and .segments
// (the count) for each chain; no such key when no segment was removed.
export const pruneSnapshotsAction: ActionDefinition = {
  name: 'prune-snapshots',
  exclusive: true,
  async run(context) {
    const dryRun = context.params['dry-run'] === true;
    const retention = context.config.snapshotRetention;
    const store = context.stores.local(context.config.snapshotDir);
    const verb = dryRun ? 'would remove' : 'removed';
    const outcome = await pruneSnapshots(store, retention, {
      dryRun,
      deltas: context.stores.localDeltas(context.config.snapshotDir),
      onRemove: (snapshot) => context.log.info(`${verb} scheduled snapshot ${snapshot.name} from ${store.dir} (keeping the newest ${retention} scheduled)`),
      onRemoveChain: (chain) =>
        context.log.info(`${verb} ${chain.segments.length} delta segment(s) of ${chain.base ?? `the chain of stamp ${chain.stamp}, whose base is gone,`} from ${store.dir}`),
    });
    const results: Results = {
      'dry-run': String(dryRun),
      retention: String(retention),
      kept: String(outcome.kept.length),
    };
    outcome.removed.forEach((snapshot, index) => {
      results[`removed.${index + 1}`] = snapshot.name;
    });
    const chains = outcome.chains ?? [];
    const segments = chains.reduce((sum, chain) => sum + chain.segments.length, 0);
    if (segments > 0) results['segments-removed'] = String(segments);
    chains.forEach((chain, index) => {
      const key = `chains.${index + 1}`;
      if (chain.base === undefined) results[`${key}.orphaned`] = 'true';
      else results[`${key}.base`] = chain.base;
      results[`${key}.stamp`] = chain.stamp;
      results[`${key}.segments`] = String(chain.segments.length);
    });
    context.log.info(`prune-snapshots: ${verb} ${outcome.removed.length} and ${segments} delta segment(s), kept ${outcome.kept.length} in ${store.dir}`);
    return results;
  },
};
