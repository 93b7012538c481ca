import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { AgentError } from '../errors/agent-error.ts';
import { newestFirst } from '../store/snapshot-names.ts';
import type { StoredSnapshot } from '../store/snapshot-store.ts';

// What the retention policy decided: both lists newest first; together they hold every snapshot given.
export interface RetentionPlan {
  remove: StoredSnapshot[];
  keep: StoredSnapshot[];
}

// Scheduled by both signs: this charm's exact name pattern and a readable manifest that says `scheduled`.
const isScheduled = (snapshot: StoredSnapshot): boolean =>
  parseSnapshotName(snapshot.name) !== undefined && snapshot.manifest !== undefined && snapshot.manifest.trigger === 'scheduled';

// Keeps the newest `keepScheduled` scheduled snapshots and marks older scheduled ones for removal.
// Never removes a manual snapshot, one whose manifest could not be read, a name of another pattern,
// or the newest snapshot with a readable manifest (even when that keeps keepScheduled + 1). Pure.
export const planRetention = (snapshots: readonly StoredSnapshot[], keepScheduled: number): RetentionPlan => {
  if (!Number.isSafeInteger(keepScheduled) || keepScheduled < 0) {
    throw new AgentError(`snapshot retention must be a whole number of at least 0, got ${keepScheduled}`);
  }
  const ordered = [...snapshots].sort(newestFirst);
  const newestGood = ordered.find((snapshot) => snapshot.manifest !== undefined);
  const remove = new Set<StoredSnapshot>();
  let scheduledSeen = 0;
  for (const snapshot of ordered) {
    if (!isScheduled(snapshot)) continue;
    scheduledSeen += 1;
    if (scheduledSeen > keepScheduled && snapshot !== newestGood) remove.add(snapshot);
  }
  return {
    remove: ordered.filter((snapshot) => remove.has(snapshot)),
    keep: ordered.filter((snapshot) => !remove.has(snapshot)),
  };
};
