import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomically } from '../fs/atomic-file.ts';

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
}

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
export const recordRun = (dir: string, record: RunRecord): Promise<ScheduleState> =>
  updateScheduleState(dir, (state) => {
    if (!state.lastRun || state.lastRun.finished <= record.finished) state.lastRun = record;
    if (record.outcome === 'ok' && (!state.lastSuccess || state.lastSuccess.finished <= record.finished)) state.lastSuccess = record;
  });
