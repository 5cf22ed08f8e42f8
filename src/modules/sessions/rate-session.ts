import type { Executor } from '../../db/client.ts';
import type { Rating } from '../../protocol/sessions.ts';
import { isUniqueViolation } from '../../db/locks.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository } from './sessions.repository.ts';

/** A participant's rating of an ended session (`src/protocol/sessions.ts`). `createdAt` ISO 8601 UTC. */
export type RatingView = Rating;

/**
 * Seed 000 §3.4 "Il peut noter son expérience (optionnel)": a member rates an ended session
 * 1..5 with an optional comment, once.
 * @throws AppError not_found/SESSION_NOT_FOUND, conflict/SESSION_NOT_ENDED, conflict/ALREADY_RATED.
 */
export async function rateSession(db: Executor, user: AuthUser, sessionId: string, input: { rating: number; comment?: string }, now: Date): Promise<RatingView> {
  const session = await sessionsRepository.findById(db, sessionId);
  if (!session || !(await sessionsRepository.findParticipant(db, sessionId, user.id))) throw SessionErrors.notFound();
  if (session.status !== 'ended') throw SessionErrors.notEnded();
  const comment = input.comment?.trim() ? input.comment.trim() : null;
  try {
    await sessionsRepository.insertRating(db, { sessionId, userId: user.id, rating: input.rating, comment, createdAt: now });
  } catch (err) {
    if (isUniqueViolation(err)) throw SessionErrors.alreadyRated();
    throw err;
  }
  return { rating: input.rating, comment, createdAt: now.toISOString() };
}
