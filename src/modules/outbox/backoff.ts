/**
 * Retry delays of the outbox relay: exponential backoff with full jitter (the delay is drawn
 * uniformly between 0 and `min(cap, base · 2^(failures-1))`), so that many keys failing together
 * against a sink that came back do not retry in lockstep. Pure: the caller passes the randomness.
 */
export interface BackoffSettings {
  /** Ceiling of the first retry's delay, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  capMs: number;
}

/**
 * @param failures consecutive failures so far (1 after the first).
 * @param random a number in [0, 1) (`Math.random` in production; fixed in tests).
 * @returns the delay before the next attempt, ms (at least 1).
 */
export function retryDelayMs(failures: number, settings: BackoffSettings, random: number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(settings.capMs, settings.baseMs * 2 ** exponent);
  return Math.max(1, Math.floor(ceiling * random));
}
