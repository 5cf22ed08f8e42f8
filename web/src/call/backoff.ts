/** Reconnection delays: exponential backoff with jitter, so that a restarted server is not hit by every client at once. */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  baseMs: number;
  /** Upper bound of one delay, in ms. */
  maxMs: number;
  /** Share of each delay that is random, 0..1 ("equal jitter" at 0.5). */
  jitter: number;
}

/** The signaling reconnection's policy: 0.5 s doubling up to 8 s, half of each delay random. */
export const SIGNALING_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 8000, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first): `min(max, base * 2^attempt)`, of
 * which the `jitter` share is random.
 * @param random a number in [0, 1), `Math.random()` by default.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = SIGNALING_BACKOFF, random: number = Math.random()): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * (1 - policy.jitter) + ceiling * policy.jitter * random);
}
