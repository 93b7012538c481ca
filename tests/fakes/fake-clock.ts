import type { Clock } from '../../src/clock/clock.ts';

// A Clock that stands still until told: advance(ms) moves it, sleep(ms) moves it at once (no real wait).
export interface FakeClock extends Clock {
  advance(ms: number): void;
  // Every sleep asked for, in order.
  readonly sleeps: number[];
}

// The moment a fake clock starts at unless told otherwise.
export const FAKE_START = new Date('2024-05-01T10:00:00.000Z');

// A fake clock starting at `start`.
export const fakeClock = (start: Date = FAKE_START): FakeClock => {
  let time = start.getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(time),
    advance(ms) {
      time += ms;
    },
    async sleep(ms) {
      sleeps.push(ms);
      time += ms;
    },
  };
};
