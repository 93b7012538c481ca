import { readRecoverableWindow } from '../delta/read-window.ts';
import { listSnapshots } from '../engine/list-snapshots.ts';
import { humanSize } from '../format/human-size.ts';
import type { Results } from '../juju/hook-tools.ts';
import { readScheduleState } from '../state/schedule-state.ts';
import type { ActionDefinition } from './action.ts';
import { recoverableResults } from './recoverable-results.ts';

// The list-snapshots action: every archive in snapshot-dir (and the off-unit store), newest first, as
// snapshots.<i>.<field>; with point-in-time capture, the recoverable window (recoverable.*) and each snapshot's
// delta segments (snapshots.<i>.segments). Nothing is decrypted: segment names, manifests and the capture status.
export const listSnapshotsAction: ActionDefinition = {
  name: 'list-snapshots',
  async run(context) {
    const dir = context.config.snapshotDir;
    const remote = await context.stores.remote();
    // The state before the segments: a segment closed in between is then newer than what the status says.
    const state = await readScheduleState(dir);
    const snapshots = await listSnapshots([context.stores.local(dir), ...(remote ? [remote] : [])]);
    const { window, segments } = await readRecoverableWindow({
      local: context.stores.localDeltas(dir),
      remote: remote ? await context.stores.remoteDeltas() : undefined,
      snapshots,
      capture: state.capture,
    });
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
    Object.assign(results, recoverableResults(window, snapshots, segments));
    const recoverable = window ? `; recoverable ${window.from.time} (revision ${window.from.revision}) to ${window.to.time} (revision ${window.to.revision}), ${window.gaps} gap(s)` : '';
    context.log.info(`list-snapshots: ${snapshots.length} snapshot(s) in ${dir}${recoverable}`);
    return results;
  },
};
