import type { AuthUser } from '../auth/auth.service.ts';
import type { SessionCore } from './session-core.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository } from './sessions.repository.ts';

/**
 * Seed 002 AC6: the caller leaves on purpose (`POST /api/sessions/{id}/leave`). Presence and
 * speaking are counted up to now, `leftAt` set, `participant.left` recorded and the others told at
 * once (a dropped connection, by contrast, waits for the reconnect window); a leaving host of a
 * private session hands over to the longest-present member. Idempotent.
 * @throws AppError not_found/SESSION_NOT_FOUND (also for non-members), conflict/SESSION_ENDED.
 */
export async function leaveSession(core: SessionCore, user: AuthUser, sessionId: string, now: Date): Promise<void> {
  await core.transact(async (tx, after) => {
    const session = await core.lockAsMember(tx, sessionId, user.id);
    if (session.status === 'ended') throw SessionErrors.ended();
    const p = (await sessionsRepository.lockParticipant(tx, sessionId, user.id))!;
    // Signaling closes the socket and tells the others, whether or not this call changes anything.
    after.changes.push({ type: 'left', sessionId, userId: user.id });
    if (p.leftAt !== null && p.leftReason === 'left') return;
    await core.closeParticipation(tx, after, session, p, { leftAt: p.leftAt ?? now, reason: 'left' }, now);
  }, sessionId);
}
