import type { CaptureStatus, RecoverableWindow } from '../delta/delta-types.ts';
import { formatAge } from '../format/age.ts';

// What update-status knows about point-in-time capture: whether it is on, the window, and the scheduler's unit.
export interface CaptureView {
  // The config's delta-interval in seconds; capture is on when it is above 0 (and a snapshot-schedule is set).
  intervalSeconds: number;
  // The recoverable window as list-snapshots works it out; undefined when there is none (no base yet).
  window: RecoverableWindow | undefined;
  // The scheduler's systemd unit, named in what to do.
  schedulerUnit: string;
}

// What the capture adds to the unit's status: a reason to block, or a note for an active unit.
export type CaptureVerdict = { blocked: string } | { note: string };

// The times a capture may lag behind delta-interval before the unit is blocked.
export const LAG_INTERVALS = 3;

const ago = (now: Date, iso: string): string => formatAge(now.getTime() - Date.parse(iso));

// How to look into a scheduler whose capture is not keeping up.
const whatToDo = (unit: string): string => `check the scheduler with \`systemctl status ${unit}\` and \`journalctl -u ${unit}\``;

// The newest point the unit can be restored to: the window's end, else what the capture confirmed.
const newest = (capture: CaptureStatus, window: RecoverableWindow | undefined): { time: string; revision: number } =>
  window?.to ?? { time: capture.coveredAt, revision: capture.coveredRevision };

// The newest recorded gap inside the window (revisions a restore cannot reach), as a note.
const gapNote = (capture: CaptureStatus, window: RecoverableWindow | undefined, now: Date): string | undefined => {
  const from = window?.from.revision ?? 0;
  const gap = capture.gaps.filter((g) => g.toRevision >= from).at(-1);
  if (!gap) return undefined;
  const revisions = gap.fromRevision === gap.toRevision ? `revision ${gap.fromRevision}` : `revisions ${gap.fromRevision}-${gap.toRevision}`;
  return `capture gap ${ago(now, gap.time)} ago: ${revisions} not recoverable (${gap.reason})`;
};

// The capture's part of the status, once the scheduler is known to be running (schedulerStarted: when it started,
// ISO). Blocked when the capture failed, stopped, never reported, or its covered point lags more than 3 ×
// delta-interval behind now; else a note "recoverable to 8s ago (rev N)", with the newest gap inside the window.
// A capture stopped (or not yet reported) within 3 × delta-interval of the scheduler's start is starting, not blocked;
// one running with no chain yet (base '') waits for the full snapshot it asked the scheduler for.
export const describeCapture = (capture: CaptureStatus | undefined, view: CaptureView, now: Date, schedulerStarted: string | undefined): CaptureVerdict => {
  const intervalMs = (capture?.intervalSeconds || view.intervalSeconds) * 1000;
  const limitMs = LAG_INTERVALS * intervalMs;
  const starting = schedulerStarted !== undefined && now.getTime() - Date.parse(schedulerStarted) <= limitMs;
  const todo = whatToDo(view.schedulerUnit);
  if (capture === undefined) {
    return starting ? { note: 'point-in-time capture starting' } : { blocked: `point-in-time capture has not reported since the scheduler started; ${todo}` };
  }
  if (capture.base === '' && capture.state === 'running') return { note: 'point-in-time capture waiting for its first full snapshot' };
  const point = newest(capture, view.window);
  const recoverable = capture.base === '' && view.window === undefined ? 'no full snapshot to recover from yet' : `recoverable to ${ago(now, point.time)} ago (rev ${point.revision})`;
  const gap = gapNote(capture, view.window, now);
  const withGap = (text: string): string => (gap ? `${text}; ${gap}` : text);
  if (capture.state === 'failed') return { blocked: withGap(`point-in-time capture failed: ${capture.error ?? 'unknown error'}; ${recoverable}; ${todo}`) };
  if (capture.state === 'stopped') {
    if (starting) return { note: withGap(`point-in-time capture starting; ${recoverable}`) };
    return { blocked: withGap(`point-in-time capture stopped while the scheduler runs; ${recoverable}; ${todo}`) };
  }
  const lagMs = now.getTime() - Date.parse(capture.coveredAt);
  if (lagMs > limitMs) {
    const why = capture.error ? ` (${capture.error})` : '';
    return { blocked: withGap(`point-in-time capture lags: ${recoverable}, more than ${LAG_INTERVALS} × delta-interval (${intervalMs / 1000}s)${why}; ${todo}`) };
  }
  return { note: withGap(recoverable) };
};
