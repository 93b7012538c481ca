// The longest a single backoff waits, however many attempts came before.
export const MAX_BACKOFF_MS = 20_000;

// Exponential backoff with jitter: base * 2^(retry-1), scaled by a random factor in [0.5, 1), capped.
export const backoffDelay = (baseMs: number, retry: number, random: () => number = Math.random): number =>
  Math.round(Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, retry - 1)) * (0.5 + random() / 2));

// Waits ms milliseconds; rejects with the signal's reason as soon as it aborts.
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

// How a retried operation is retried, and who hears about each retry.
export interface RetryPolicy {
  // Retries after the first attempt (0 = try once).
  retries: number;
  // First backoff; each retry doubles it (with jitter).
  baseDelayMs: number;
  // Whether an error is worth another attempt.
  retryable: (error: unknown) => boolean;
  // Told before each wait: which retry comes next, after how long, and why.
  onRetry?: (retry: number, delayMs: number, error: unknown) => void;
  signal?: AbortSignal | undefined;
}

// Runs attempt(n) (n = 0, 1, ...) until it succeeds, fails with an error not worth retrying, or the retries run out.
export const withRetries = async <T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> => {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.retries || policy.signal?.aborted || !policy.retryable(error)) throw error;
      const delay = backoffDelay(policy.baseDelayMs, n + 1);
      policy.onRetry?.(n + 1, delay, error);
      await sleep(delay, policy.signal);
    }
  }
};
