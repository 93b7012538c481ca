import { setTimeout as delay } from 'node:timers/promises';

// The only source of "now" and of waiting in the agent, so tests can fix or advance it.
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

// The real clock.
export const systemClock: Clock = { now: () => new Date(), sleep: (ms) => delay(ms) };
