import type { WorkloadStatus } from '../juju/hook-tools.ts';
import { formatAge } from '../format/age.ts';
import { humanSize } from '../format/human-size.ts';
import type { RunRecord, ScheduleState } from '../state/schedule-state.ts';
import { describeCapture, type CaptureView } from './describe-capture.ts';

// What update-status should show, and whether a catch-up snapshot is due first.
export interface StatusVerdict {
  status: WorkloadStatus;
  message: string;
  catchUp: boolean;
}

// What the verdict is drawn from.
export interface StatusInput {
  schedule: string;
  state: ScheduleState;
  schedulerActive: boolean;
  schedulerRestarted: boolean;
  now: Date;
  periodMs: number;
  // Point-in-time capture: its interval (0 = off), the recoverable window and the scheduler's unit.
  capture?: CaptureView;
}

const describeRun = (run: RunRecord, now: Date): string =>
  `last snapshot ${formatAge(now.getTime() - Date.parse(run.finished))} ago (rev ${run.revision ?? '?'}, ${run.diskBytes === undefined ? '?' : humanSize(run.diskBytes)})`;

// True when the last good scheduled snapshot (or, with none yet, the scheduler's start) is older than two periods.
export const snapshotStale = (state: ScheduleState, periodMs: number, now: Date): boolean => {
  const since = state.lastSuccess?.finished ?? state.started;
  return since !== undefined && periodMs > 0 && now.getTime() - Date.parse(since) > 2 * periodMs;
};

// Draws the unit's status from the scheduler's state: fresh, stale (catch up), failed or not running; with capture on,
// how far back it can restore to (or why capture blocks the unit).
export const describeStatus = (input: StatusInput): StatusVerdict => {
  const { state, now } = input;
  const last = state.lastSuccess ? describeRun(state.lastSuccess, now) : 'no scheduled snapshot yet';
  if (!input.schedule) return { status: 'active', message: `scheduled snapshots off; ${last}`, catchUp: false };
  if (!input.schedulerActive || input.schedulerRestarted) {
    return { status: 'blocked', message: `snapshot scheduler was not running${input.schedulerRestarted ? ' (restarted it)' : ''}; ${last}`, catchUp: false };
  }
  if (state.lastRun?.outcome === 'failed') {
    return { status: 'blocked', message: `last scheduled snapshot failed ${formatAge(now.getTime() - Date.parse(state.lastRun.finished))} ago: ${state.lastRun.error ?? 'unknown error'}`, catchUp: false };
  }
  const stale = snapshotStale(state, input.periodMs, now);
  const drill = state.lastDrill;
  if (drill?.outcome === 'failed') {
    return { status: 'blocked', message: `restore drill failed ${formatAge(now.getTime() - Date.parse(drill.finished))} ago: ${drill.reason ?? 'unknown error'}`, catchUp: stale };
  }
  const drillNote = drill?.outcome === 'ok' ? `; restore drill OK ${formatAge(now.getTime() - Date.parse(drill.finished))} ago` : '';
  const run = state.lastRun;
  const skipNote = run?.outcome === 'skipped' ? `; last scheduled run skipped ${formatAge(now.getTime() - Date.parse(run.finished))} ago (${run.reason ?? 'the unit lock was held'})` : '';
  const capture = input.capture && input.capture.intervalSeconds > 0 ? describeCapture(state.capture, input.capture, now, state.started) : undefined;
  if (capture && 'blocked' in capture) return { status: 'blocked', message: `${capture.blocked}; ${last}`, catchUp: stale };
  const captureNote = capture ? `; ${capture.note}` : '';
  return { status: 'active', message: `${last}${drillNote}${skipNote}${captureNote}`, catchUp: stale };
};
