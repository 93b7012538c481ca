// The shapes point-in-time recovery (CONTRACT §7) shares between capture (the scheduler), the segment files, the
// recoverable window (list-snapshots, update-status, metrics) and the replay (restore/verify to-time, to-revision).

// One change etcd's watch reported, as a delta segment keeps it. Keys and values are bytes (Kubernetes stores
// protobuf); a segment writes them base64.
export interface DeltaEvent {
  // The revision the change was made at (kv.mod_revision; for a delete, the deleting revision).
  revision: number;
  type: 'put' | 'delete';
  key: Buffer;
  // Empty for a delete.
  value: Buffer;
  // Decimal lease id the key was put with; '0' = none (always '0' for a delete).
  lease: string;
  // kv.create_revision and kv.version as etcd reported them (0 for a delete).
  createRevision: number;
  version: number;
  // When the agent received the event (ISO 8601 UTC, ms): etcd streams no time, so this is what to-time goes by.
  time: string;
}

// A segment's own record of itself: the last line of the segment (its trailer), written when it is closed.
export interface SegmentManifest {
  kind: 'etcd-agent-delta';
  format: 1;
  // The full snapshot the chain starts from: its archive name and revision.
  base: string;
  baseRevision: number;
  // The cluster the events came from (hex, as the snapshot manifest records it).
  clusterId: string;
  firstRevision: number;
  lastRevision: number;
  firstEventTime: string;
  lastEventTime: string;
  // Events in the segment (one revision may hold several).
  count: number;
  // When the segment was closed (ISO): etcd had confirmed no revision after lastRevision was missing as of then,
  // or the capture was stopping.
  closedAt: string;
}

// What a segment's file name says: etcd-delta-<base stamp>-<first rev>-<last rev>.jsonl.gz[.age].
export interface SegmentName {
  name: string;
  // The base archive's stamp, YYYY-MM-DD-HH.MM.SS (UTC), as in etcd-snapshot-<stamp>.tar.gz.
  stamp: string;
  firstRevision: number;
  lastRevision: number;
  encrypted: boolean;
}

// Revisions the capture lost: etcd had compacted past where the watch had to resume, or capture was off.
export interface CaptureGap {
  // When the gap was found (ISO).
  time: string;
  // The revisions that are not covered: fromRevision..toRevision inclusive.
  fromRevision: number;
  toRevision: number;
  reason: string;
}

// What the capture leaves in the schedule state file (ScheduleState.capture) for update-status, list and metrics.
export interface CaptureStatus {
  // running: following the watch; stopped: the scheduler stopped it; failed: it gave up until the next start.
  state: 'running' | 'stopped' | 'failed';
  // The base archive name of the chain being written.
  base: string;
  // Every revision up to coveredRevision is in closed segments (or is the base), as etcd confirmed at coveredAt (ISO).
  coveredRevision: number;
  coveredAt: string;
  // The last error, one line, when state is failed (or the watch is reconnecting).
  error?: string;
  // Gaps found so far, oldest first (the newest 20 are kept).
  gaps: CaptureGap[];
  // The capture's delta-interval in seconds, so readers can tell when it lags (3 × interval).
  intervalSeconds: number;
  // Uploads of closed segments since the scheduler started, when S3 is configured: done, failed attempts, waiting.
  uploads?: { uploaded: number; failures: number; pending: number };
}

// A full snapshot a chain can start from.
export interface ChainBase {
  name: string;
  stamp: string;
  revision: number;
  // The manifest's created time (ISO).
  created: string;
  clusterId: string | undefined;
}

// One chain: a base and the closed segments written after it, ascending by revision.
export interface Chain {
  base: ChainBase;
  segments: SegmentName[];
  // Revisions between the base and its segments (or between segments) that no segment covers.
  holes: { fromRevision: number; toRevision: number }[];
}

// A point the cluster can be restored to.
export interface RecoverablePoint {
  time: string;
  revision: number;
}

// What can be restored: from the oldest base to the newest covered point, and how many gaps lie in between.
export interface RecoverableWindow {
  from: RecoverablePoint;
  to: RecoverablePoint;
  gaps: number;
  chains: { base: string; segments: number; from: RecoverablePoint; to: RecoverablePoint }[];
}
