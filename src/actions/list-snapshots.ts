import { listSnapshots } from '../engine/list-snapshots.ts';
import { humanSize } from '../format/human-size.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';

// The list-snapshots action: every archive in snapshot-dir, newest first, as snapshots.<i>.<field>.
export const listSnapshotsAction: ActionDefinition = {
  name: 'list-snapshots',
  async run(context) {
    const remote = await context.stores.remote();
    const snapshots = await listSnapshots([context.stores.local(context.config.snapshotDir), ...(remote ? [remote] : [])]);
    const results: Results = { count: String(snapshots.length) };
    snapshots.forEach((snapshot, index) => {
      const key = `snapshots.${index + 1}`;
      results[`${key}.name`] = snapshot.name;
      results[`${key}.size`] = humanSize(snapshot.diskBytes);
      results[`${key}.bytes`] = String(snapshot.bytes);
      results[`${key}.sha256`] = snapshot.sha256 ?? 'unknown';
      results[`${key}.revision`] = snapshot.manifest ? String(snapshot.manifest.revision) : 'unknown';
      results[`${key}.created`] = snapshot.created.toISOString();
      results[`${key}.trigger`] = snapshot.trigger ?? 'unknown';
      results[`${key}.location`] = snapshot.location;
    });
    context.log.info(`list-snapshots: ${snapshots.length} snapshot(s) in ${context.config.snapshotDir}`);
    return results;
  },
};
