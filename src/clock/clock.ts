// The only source of "now" in the agent, so tests can fix or advance it.
export interface Clock {
  now(): Date;
}

// The real clock.
export const systemClock: Clock = { now: () => new Date() };
