import { readdir } from 'node:fs/promises';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { schedulePeriodMs } from '../policy/cron.ts';
import { readLocalWindow } from '../delta/read-window.ts';
import { readScheduleState, type ScheduleState } from '../state/schedule-state.ts';
import { localDeltaStore } from '../store/local-delta-store.ts';
import { localStore } from '../store/local-store.ts';

// What the metrics are drawn from: the scheduler's state file, a listing of the snapshot dir, and the schedule.
export interface MetricInputs {
  state: ScheduleState;
  // Archives of this charm's name pattern in snapshot-dir.
  localKept: number;
  // Archives in the off-unit store after the last run's retention; undefined when no off-unit store is configured.
  remoteKept: number | undefined;
  // Longest gap between scheduled runs, in seconds; undefined when snapshot-schedule is empty.
  periodSeconds: number | undefined;
  // 1 when the scheduler is running.
  schedulerUp: boolean;
  // Seconds from the recoverable window's newest point to now; undefined when there is no capture status.
  recoverableAgeSeconds?: number | undefined;
}

// Where the inputs are read from.
export interface InputSource {
  snapshotDir: string;
  snapshotSchedule: string;
  snapshotTimezone: string;
  remoteConfigured: boolean;
  // Whether point-in-time capture is configured (a schedule and delta-interval above 0); the recoverable age is
  // exported only then.
  captureOn?: boolean;
}

// Counts the archives of this charm's name pattern in a directory (names only; no archive is opened).
const countArchives = async (dir: string): Promise<number> => (await readdir(dir).catch(() => [] as string[])).filter((n) => parseSnapshotName(n) !== undefined).length;

// Seconds from the newest recoverable point to now, from names, manifests and the capture status (no trailer is
// read: a scrape stays cheap); undefined without a capture status or with capture off.
const recoverableAge = async (source: InputSource, state: ScheduleState, now: Date): Promise<number | undefined> => {
  const capture = state.capture;
  if (capture === undefined || source.captureOn !== true) return undefined;
  const window = await readLocalWindow(localStore(source.snapshotDir), localDeltaStore(source.snapshotDir), capture, false);
  const to = Date.parse(window?.to.time ?? capture.coveredAt);
  return Number.isFinite(to) ? Math.max(0, (now.getTime() - to) / 1000) : undefined;
};

// Reads the inputs afresh (each scrape does, so values follow every run and survive a restart of the scheduler).
export const readMetricInputs = async (source: InputSource, now: Date, schedulerUp: (state: ScheduleState) => boolean): Promise<MetricInputs> => {
  const state = await readScheduleState(source.snapshotDir);
  const periodMs = source.snapshotSchedule ? schedulePeriodMs(source.snapshotSchedule, source.snapshotTimezone, now) : 0;
  return {
    state,
    localKept: await countArchives(source.snapshotDir),
    remoteKept: source.remoteConfigured ? state.lastSuccess?.remoteKept : undefined,
    periodSeconds: periodMs > 0 ? periodMs / 1000 : undefined,
    schedulerUp: schedulerUp(state),
    recoverableAgeSeconds: await recoverableAge(source, state, now),
  };
};

// Whether the scheduler whose pid the state file records is alive (signal 0; EPERM means alive but not ours).
export const recordedSchedulerAlive = (state: ScheduleState): boolean => {
  if (!state.pid) return false;
  try {
    process.kill(state.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
