// Watches an etcd's /health on its client URL while a restore runs, every 25 ms over HTTP (no process per probe):
// the longest time between two healthy answers is how long the cluster's clients were without etcd.
import { setTimeout as sleep } from 'node:timers/promises';

const EVERY_MS = 25;

const healthy = async (endpoint: string): Promise<boolean> => {
  try {
    const answer = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(250) });
    return answer.ok && ((await answer.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
};

// Starts watching; stop() ends it and gives the longest gap between healthy answers, in seconds.
export const watchDowntime = (endpoint: string): { stop(): Promise<number> } => {
  let watching = true;
  let lastHealthy = performance.now();
  let longest = 0;
  const loop = (async () => {
    while (watching) {
      if (await healthy(endpoint)) {
        const now = performance.now();
        longest = Math.max(longest, now - lastHealthy);
        lastHealthy = now;
      }
      await sleep(EVERY_MS);
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
      return longest / 1000;
    },
  };
};
