import type { RecoverableWindow } from '../delta/delta-types.ts';
import { archiveStamp } from '../delta/segment-name.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { StoredSegment } from '../store/delta-store.ts';
import type { StoredSnapshot } from '../store/snapshot-store.ts';

// Whether a segment is in the store a snapshot was listed from: `local` for both, or an S3 snapshot's location
// (s3://bucket/prefix/<name>) under the segment store's (s3://bucket/prefix).
const sameStore = (segment: StoredSegment, snapshot: StoredSnapshot): boolean =>
  segment.location === snapshot.location || snapshot.location.startsWith(`${segment.location}/`);

// list-snapshots' point-in-time results: recoverable.from-time/-revision, recoverable.to-time/-revision,
// recoverable.gaps (count) and recoverable.segments (every segment listed, local and off-unit), and per snapshot
// (snapshots.<i>, in the order given) the segments of its chain in its own store. Nothing when there is no window
// (no segment and no capture status), so a unit without capture lists as before.
export const recoverableResults = (window: RecoverableWindow | undefined, snapshots: readonly StoredSnapshot[], segments: readonly StoredSegment[]): Results => {
  if (window === undefined) return {};
  const results: Results = {
    'recoverable.from-time': window.from.time,
    'recoverable.from-revision': String(window.from.revision),
    'recoverable.to-time': window.to.time,
    'recoverable.to-revision': String(window.to.revision),
    'recoverable.gaps': String(window.gaps),
    'recoverable.segments': String(segments.length),
  };
  snapshots.forEach((snapshot, index) => {
    const stamp = archiveStamp(snapshot.name);
    const own = segments.filter((segment) => segment.stamp === stamp && sameStore(segment, snapshot));
    results[`snapshots.${index + 1}.segments`] = String(own.length);
  });
  return results;
};
