import type { Executor } from '../../db/client.ts';

/**
 * Invite-code guessing limits (issue 13, seed 002 AC3): each attempt to join by code is counted
 * *before* the code is looked up, in one atomic step that checks every window and counts in all
 * of them or in none, shared by every instance (PostgreSQL, or Redis with `REDIS_URL`). So a burst
 * of simultaneous guesses cannot pass the check together; an attempt whose code was right is
 * handed back (`refund`), so only wrong guesses use the budget.
 *
 * Windows: per user and per address (`INVITE_CODE_FAILURE_WINDOW`), and one global per hour
 * (`INVITE_CODE_FAILURES_GLOBAL_PER_HOUR`) that bounds what any number of accounts can try: the
 * README works out the odds.
 */

/** One budget: at most `max` attempts of `key` within the last `windowMs`. */
export interface AttemptWindow {
  key: string;
  max: number;
  windowMs: number;
}

/** The outcome of `charge`: counted (with what to hand back on success), or refused. */
export type AttemptCharge = { ok: true; ids: string[] } | { ok: false; retryAfterSeconds: number };

/** Where attempts are counted: one per deployment (the database), or Redis. */
export interface InviteAttemptStore {
  /** Counts one attempt in every window if each has room; otherwise counts none (atomic). */
  charge(windows: readonly AttemptWindow[], nowMs: number): Promise<AttemptCharge>;
  /** Hands an attempt back (its code was right). */
  refund(ids: readonly string[]): Promise<void>;
  /** Forgets attempts older than `olderThanMs` (epoch ms). @returns how many. */
  prune(olderThanMs: number): Promise<number>;
  /**
   * Erasure: forgets a key's attempts, in the erasure's transaction when they are in the
   * database. @returns what to do after the commit (Redis), if anything.
   */
  forget(tx: Executor, key: string): Promise<void | (() => Promise<void>)>;
}

/**
 * Seconds until a full window has room again: when its oldest attempt leaves it. Pure.
 * @param oldestMs the oldest attempt still in the window (epoch ms).
 */
export function retryAfterSeconds(oldestMs: number, windowMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((oldestMs + windowMs - nowMs) / 1000));
}

/** The windows of one attempt by `userId` from `address`. */
export function attemptWindows(userId: string, address: string, limits: { perUser: number; perAddress: number; windowMs: number; globalPerHour: number }): AttemptWindow[] {
  return [
    { key: `user:${userId}`, max: limits.perUser, windowMs: limits.windowMs },
    { key: `address:${address}`, max: limits.perAddress, windowMs: limits.windowMs },
    { key: 'global', max: limits.globalPerHour, windowMs: 3_600_000 },
  ];
}
