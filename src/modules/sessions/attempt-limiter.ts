/** Limits of failed invite-code attempts (guessing must be impractical, issue 3). */
export interface AttemptLimits {
  /** Failures allowed per key inside `windowMs`. */
  maxFailures: number;
  windowMs: number;
}

/**
 * Counts failed attempts per key (user id, address) in a sliding window, in memory. Pure except
 * for its own state; every method takes `now` (ms). A key over its budget is refused until its
 * oldest failure leaves the window.
 */
export class AttemptLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: AttemptLimits) {}

  /** @returns seconds until `key` may try again, or 0 when it may try now. */
  retryAfterSeconds(key: string, now: number): number {
    const list = this.prune(key, now);
    if (list.length < this.limits.maxFailures) return 0;
    return Math.max(1, Math.ceil((list[0] + this.limits.windowMs - now) / 1000));
  }

  /** Records a failed attempt of each key. */
  recordFailure(keys: string[], now: number): void {
    for (const key of keys) {
      const list = this.prune(key, now);
      list.push(now);
      this.failures.set(key, list);
    }
    if (this.failures.size > 100_000) this.sweep(now); // bound memory under a distributed attack
  }

  /** Forgets a key's failures (the user was erased). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  private prune(key: string, now: number): number[] {
    const list = this.failures.get(key) ?? [];
    while (list.length && list[0] <= now - this.limits.windowMs) list.shift();
    if (list.length === 0) this.failures.delete(key);
    return list;
  }

  private sweep(now: number): void {
    for (const key of [...this.failures.keys()]) this.prune(key, now);
  }
}
