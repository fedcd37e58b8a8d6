// Capped exponential backoff with jitter for viewer reconnects: 0.5 s, 1 s, 2 s, 4 s, then 8 s.
// "Equal jitter": half the delay is fixed, half random, so tabs that lost the same gateway do not
// all come back in the same instant, yet each wait still grows.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8000 };

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = RECONNECT_BACKOFF): number {
  const { baseMs, maxMs, random = Math.random } = options;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
