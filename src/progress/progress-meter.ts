import type { Clock } from '../clock/clock.ts';

// Where a long step stands: bytes done of total (undefined when not known), total an estimate or exact, done or not.
export interface ProgressUpdate {
  step: string;
  bytes: number;
  total: number | undefined;
  estimate: boolean;
  done: boolean;
}

// Where progress updates go: action-log in Juju, a line or a bar on a terminal, the log of a scheduled run.
export type ProgressSink = (update: ProgressUpdate) => Promise<void>;

// Counts one step's bytes and reports them: at the start, at most every interval, and at the end.
export interface Meter {
  // Counts bytes that went by; cheap enough to call for every chunk (the clock is read at most once per stride).
  add(bytes: number): void;
  // The step starts over from zero (an upload begun again from the file's start).
  restart(): void;
  // Reports the end and resolves once every report has reached the sink.
  end(): Promise<void>;
}

// Starts a meter for a step; total is what 100 % means (undefined: bytes only), estimate says it is not exact.
export type StartMeter = (step: string, total: number | undefined, options?: { estimate?: boolean }) => Meter;

// A meter that reports nothing (callers that show no progress).
export const silentMeter: StartMeter = () => ({ add: () => undefined, restart: () => undefined, end: async () => undefined });

// How often a step reports, and how many bytes go by between looks at the clock.
export interface MeterOptions {
  intervalMs: number;
  strideBytes: number;
}

// Every 5 s, the clock read at most once per MiB.
export const METER_DEFAULTS: MeterOptions = { intervalMs: 5_000, strideBytes: 1 << 20 };

// Meters that report to sink on clock's time; reports reach the sink one after another, in order, and a sink that
// fails loses that report only (progress never fails a step).
export const progressMeters = (sink: ProgressSink, clock: Clock, options: MeterOptions = METER_DEFAULTS): StartMeter => {
  let chain: Promise<void> = Promise.resolve();
  return (step, total, { estimate = false } = {}) => {
    let bytes = 0;
    let nextLook = options.strideBytes;
    let lastReport = 0;
    const report = (done: boolean): void => {
      const update: ProgressUpdate = { step, bytes, total, estimate, done };
      chain = chain.then(() => sink(update)).catch(() => undefined);
    };
    const start = (): void => {
      bytes = 0;
      nextLook = options.strideBytes;
      lastReport = clock.now().getTime();
      report(false);
    };
    start();
    return {
      add(count) {
        bytes += count;
        if (bytes < nextLook) return;
        nextLook = bytes + options.strideBytes;
        const now = clock.now().getTime();
        if (now - lastReport < options.intervalMs) return;
        lastReport = now;
        report(false);
      },
      restart: start,
      end() {
        report(true);
        return chain;
      },
    };
  };
};
