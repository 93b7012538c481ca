import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomically } from '../fs/atomic-file.ts';
import type { CaptureStatus } from '../delta/delta-types.ts';

// The name of the scheduler's state file inside the snapshot dir (hidden, never a snapshot).
export const STATE_FILE = '.etcd-agent-schedule.json';

// One scheduled run, as recorded.
export interface RunRecord {
  started: string;
  finished: string;
  outcome: 'ok' | 'failed' | 'interrupted' | 'skipped';
  // Why a run was skipped (the unit's lock was held).
  reason?: string;
  catchUp?: boolean;
  archive?: string;
  revision?: number;
  bytes?: number;
  diskBytes?: number;
  error?: string;
  removed?: string[];
  // How the upload of the run's archive went, when an off-unit store is configured.
  upload?: 'ok' | 'failed';
  // How many archives the off-unit store held after the run's retention.
  remoteKept?: number;
}

// One restore drill, as recorded.
export interface DrillRecord {
  finished: string;
  outcome: 'ok' | 'failed' | 'skipped';
  source?: string;
  reason?: string;
  seconds?: number;
  revision?: number;
  keyCount?: number;
}

// What the scheduler and update-status leave for each other.
export interface ScheduleState {
  schedule?: string;
  timezone?: string;
  pid?: number;
  started?: string;
  lastRun?: RunRecord;
  lastSuccess?: RunRecord;
  skippedOverlaps?: number;
  lastDrill?: DrillRecord;
  lastFailure?: RunRecord;
  lastDrillSuccess?: DrillRecord;
  lastDrillFailure?: DrillRecord;
  // When an upload last succeeded and last failed (ISO times).
  lastUploadSuccess?: string;
  lastUploadFailure?: string;
  // Running totals for the metrics; kept here so they survive a restart of the scheduler.
  counts?: RunCounts;
  // Point-in-time capture: what closed delta segments cover, and the gaps found (CONTRACT §7).
  capture?: CaptureStatus;
}

// Running totals of scheduled runs, uploads and drills, and the snapshot durations (histogram buckets by trigger).
export interface RunCounts {
  runs: Partial<Record<RunRecord['outcome'], number>>;
  uploadFailures: number;
  drillFailures: number;
  durations: Partial<Record<RunTrigger, DurationBuckets>>;
}

// Why a scheduled run ran: on schedule, or as update-status's catch-up.
export type RunTrigger = 'scheduled' | 'catch-up';

// One histogram's state: counts per upper bound of DURATION_BUCKETS (not cumulative; the last is +Inf), sum, count.
export interface DurationBuckets {
  counts: number[];
  sum: number;
  count: number;
}

// Upper bounds (seconds) of the snapshot duration histogram's buckets.
export const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

const emptyCounts = (): RunCounts => ({ runs: {}, uploadFailures: 0, drillFailures: 0, durations: {} });

// Adds one run to the totals: its outcome, its upload, and (when it succeeded) its duration.
const countRun = (counts: RunCounts, record: RunRecord): void => {
  counts.runs[record.outcome] = (counts.runs[record.outcome] ?? 0) + 1;
  if (record.upload === 'failed') counts.uploadFailures += 1;
  if (record.outcome !== 'ok') return;
  const seconds = Math.max(0, (Date.parse(record.finished) - Date.parse(record.started)) / 1000);
  if (!Number.isFinite(seconds)) return;
  const trigger: RunTrigger = record.catchUp ? 'catch-up' : 'scheduled';
  const histogram = (counts.durations[trigger] ??= { counts: DURATION_BUCKETS.map(() => 0).concat(0), sum: 0, count: 0 });
  const bucket = DURATION_BUCKETS.findIndex((bound) => seconds <= bound);
  histogram.counts[bucket === -1 ? DURATION_BUCKETS.length : bucket]! += 1;
  histogram.sum += seconds;
  histogram.count += 1;
};

// Reads the state file, or an empty state when there is none (or it is unreadable).
export const readScheduleState = async (dir: string): Promise<ScheduleState> => {
  const text = await readFile(join(dir, STATE_FILE), 'utf8').catch(() => undefined);
  try {
    return text ? (JSON.parse(text) as ScheduleState) : {};
  } catch {
    return {};
  }
};

// Re-reads the state file, applies a change, and writes it back atomically (0600).
export const updateScheduleState = async (dir: string, change: (state: ScheduleState) => void): Promise<ScheduleState> => {
  const state = await readScheduleState(dir);
  change(state);
  await writeTextAtomically(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  return state;
};

// Records a finished run unless a newer one is already recorded (only the scheduler writes: its runs and catch-ups).
// Every run is counted in the totals.
export const recordRun = (dir: string, record: RunRecord): Promise<ScheduleState> =>
  updateScheduleState(dir, (state) => {
    if (!state.lastRun || state.lastRun.finished <= record.finished) state.lastRun = record;
    if (record.outcome === 'ok' && (!state.lastSuccess || state.lastSuccess.finished <= record.finished)) state.lastSuccess = record;
    if (record.outcome === 'failed' && (!state.lastFailure || state.lastFailure.finished <= record.finished)) state.lastFailure = record;
    if (record.upload === 'ok' && (state.lastUploadSuccess ?? '') <= record.finished) state.lastUploadSuccess = record.finished;
    if (record.upload === 'failed' && (state.lastUploadFailure ?? '') <= record.finished) state.lastUploadFailure = record.finished;
    countRun((state.counts ??= emptyCounts()), record);
  });

// Records a finished restore drill: the last one, the last that passed or failed, and the failure total.
export const recordDrill = (dir: string, record: DrillRecord): Promise<ScheduleState> =>
  updateScheduleState(dir, (state) => {
    state.lastDrill = record;
    if (record.outcome === 'ok') state.lastDrillSuccess = record;
    if (record.outcome === 'failed') {
      state.lastDrillFailure = record;
      (state.counts ??= emptyCounts()).drillFailures += 1;
    }
  });
