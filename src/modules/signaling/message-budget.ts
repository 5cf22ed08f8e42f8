/**
 * The per-connection message budget: a token bucket (seed 003 hardening, DESIGN 4.3 close 4429).
 * Pure: the caller keeps the bucket and passes the time. A busy real client (ICE trickle to seven
 * others) never empties it; a client that floods, or keeps sending malformed frames (which cost
 * more), does.
 */

/** Bucket size and refill. */
export interface BudgetLimits {
  /** Frames a client may send in a burst (`SIGNALING_MESSAGE_BURST`). */
  burst: number;
  /** Frames per second refilled (`SIGNALING_MESSAGES_PER_SECOND`). */
  perSecond: number;
}

/** One connection's bucket: tokens left, and when it was last refilled (epoch ms). */
export interface MessageBudget {
  tokens: number;
  atMs: number;
}

/** A full bucket at `nowMs`. */
export function fullBudget(limits: BudgetLimits, nowMs: number): MessageBudget {
  return { tokens: limits.burst, atMs: nowMs };
}

/**
 * Refills the bucket for the time since its last charge (never above `burst`), then takes `cost`.
 * Mutates `budget` (it is called for every frame; no allocation).
 * @returns false when the bucket is overdrawn: the connection must be cut off (4429).
 */
export function charge(budget: MessageBudget, cost: number, nowMs: number, limits: BudgetLimits): boolean {
  const elapsedMs = Math.max(0, nowMs - budget.atMs);
  budget.tokens = Math.min(limits.burst, budget.tokens + (elapsedMs * limits.perSecond) / 1000) - cost;
  budget.atMs = nowMs;
  return budget.tokens >= 0;
}
