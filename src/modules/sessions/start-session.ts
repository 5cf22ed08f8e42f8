import type { AuthUser } from '../auth/auth.service.ts';
import type { SessionCore } from './session-core.ts';
import { SessionErrors } from './sessions.errors.ts';

/**
 * Seed 002 AC5: the host starts a waiting private session (`startedAt` = now, status `active`,
 * `session.started`). Slot sessions start by themselves at the slot time (lifecycle sweep).
 * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_HOST, conflict/INVALID_STATE.
 */
export async function startSession(core: SessionCore, user: AuthUser, sessionId: string, now: Date): Promise<void> {
  await core.transact(async (tx, after) => {
    const session = await core.lockAsMember(tx, sessionId, user.id);
    if (session.hostUserId !== user.id) throw SessionErrors.notHost('start');
    if (session.type !== 'private') throw SessionErrors.invalidState('Slot sessions start at the slot time');
    if (session.status !== 'waiting') throw SessionErrors.invalidState(`The session is ${session.status}`);
    await core.start(tx, after, session, now);
  });
}
