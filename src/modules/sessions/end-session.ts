import type { AuthUser } from '../auth/auth.service.ts';
import type { SessionCore } from './session-core.ts';
import { SessionErrors } from './sessions.errors.ts';

/**
 * Seed 002 AC7: the host ends the session for everyone (reason `host_ended`, `session.ended`
 * with every participant's stats). The other endings are in `session-end.ts` and `sessions.jobs.ts`.
 * @throws AppError not_found/SESSION_NOT_FOUND, conflict/SESSION_ENDED, forbidden/NOT_HOST.
 */
export async function endSession(core: SessionCore, user: AuthUser, sessionId: string, now: Date): Promise<void> {
  await core.transact(async (tx, after) => {
    const session = await core.lockAsMember(tx, sessionId, user.id);
    if (session.status === 'ended') throw SessionErrors.ended();
    if (session.hostUserId !== user.id) throw SessionErrors.notHost('end');
    await core.end(tx, after, session, 'host_ended', now);
  }, sessionId);
}
