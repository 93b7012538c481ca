import type { CaptureGap, CaptureStatus } from '../delta/delta-types.ts';
import type { ScheduleState } from '../state/schedule-state.ts';

// How many gaps the state file keeps (the newest).
export const KEPT_GAPS = 20;

// Hands a change of the state file to the scheduler's serialized writer (only the scheduler writes it).
export type StateWriter = (change: (state: ScheduleState) => void) => void;

// The capture's status as the state file keeps it: changed here, written through the scheduler's writer.
export class CaptureStatusKeeper {
  private status: CaptureStatus;
  private readonly write: StateWriter;

  constructor(write: StateWriter, initial: CaptureStatus) {
    this.write = write;
    this.status = initial;
  }

  get current(): CaptureStatus {
    return this.status;
  }

  // Applies a change and hands the whole status to the writer.
  update(change: (status: CaptureStatus) => void): void {
    change(this.status);
    const snapshot: CaptureStatus = { ...this.status, gaps: [...this.status.gaps] };
    if (snapshot.error === undefined) delete snapshot.error;
    this.write((state) => void (state.capture = snapshot));
  }

  // A new chain: covered up to its base (or its last closed segment) as of at.
  chain(base: string, revision: number, at: string): void {
    this.update((s) => Object.assign(s, { base, coveredRevision: revision, coveredAt: at }));
  }

  // Every revision up to revision is in closed segments of the chain, as of at (never moves back).
  cover(revision: number, at: string): void {
    if (revision < this.status.coveredRevision || (revision === this.status.coveredRevision && at <= this.status.coveredAt)) return;
    this.update((s) => Object.assign(s, { coveredRevision: revision, coveredAt: at }));
  }

  // Records a gap (the newest KEPT_GAPS are kept).
  gap(gap: CaptureGap): void {
    this.update((s) => void (s.gaps = [...s.gaps, gap].slice(-KEPT_GAPS)));
  }

  // The capture's state, and the last error (one line) or none.
  state(state: CaptureStatus['state'], error?: string): void {
    if (this.status.state === state && this.status.error === error) return;
    this.update((s) => {
      s.state = state;
      if (error === undefined) delete s.error;
      else s.error = error;
    });
  }
}
