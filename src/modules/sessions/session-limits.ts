import type { Executor } from '../../db/client.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository } from './sessions.repository.ts';

/** Seed 002 AC9 (and seed 000 §7.3): at most 3 live sessions at once per user. */
export const MAX_ACTIVE_SESSIONS = 3;
/** Seed 002 AC9: the free tier joins at most 10 sessions per UTC day; premium is unlimited. */
export const FREE_DAILY_SESSIONS = 10;

/** The UTC day around `now`: [start, end). */
export function utcDay(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/**
 * Checks the limits of seed 002 AC9 for a user about to take a seat. Run it under the user's
 * advisory lock (`sessionsRepository.lockUser`) in the transaction that adds the seat, so that
 * concurrent requests cannot both pass (DESIGN 5).
 * "Active sessions" are live sessions the user has not left; "sessions per day" counts the
 * sessions the user was added to that UTC day.
 * @param newParticipation false when the user rejoins a session it was already added to (not counted again per day).
 * @throws AppError limit_reached/TOO_MANY_ACTIVE_SESSIONS, limit_reached/DAILY_SESSION_LIMIT.
 */
export async function checkSessionLimits(tx: Executor, user: AuthUser, now: Date, newParticipation: boolean): Promise<void> {
  if ((await sessionsRepository.countActiveParticipations(tx, user.id)) >= MAX_ACTIVE_SESSIONS) throw SessionErrors.tooManyActive(MAX_ACTIVE_SESSIONS);
  if (!newParticipation || user.tier === 'premium') return;
  const day = utcDay(now);
  if ((await sessionsRepository.countParticipationsBetween(tx, user.id, day.start, day.end)) >= FREE_DAILY_SESSIONS) {
    throw SessionErrors.dailyLimit(FREE_DAILY_SESSIONS, day.end.toISOString());
  }
}
