import type { AuthUser } from '../auth/auth.service.ts';
import type { ConsentHook } from './recording-state.ts';
import type { SessionCore } from './session-core.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository } from './sessions.repository.ts';

/**
 * Seed 000 §5.4: records the caller's recording consent (chosen before joining, `POST …/consent`,
 * and changeable during the call); the session's `recordingEnabled` is true while at least one
 * member who has not left consents. `hooks` run in the same transaction: withdrawing consent
 * withdraws the user's recordings of the session there (the recordings module's hook).
 * @throws AppError not_found/SESSION_NOT_FOUND, conflict/SESSION_ENDED.
 */
export async function setRecordingConsent(
  core: SessionCore,
  hooks: Iterable<ConsentHook>,
  user: AuthUser,
  sessionId: string,
  consent: boolean,
  now: Date,
): Promise<void> {
  await core.transact(async (tx, after) => {
    const session = await core.lockAsMember(tx, sessionId, user.id);
    if (session.status === 'ended') throw SessionErrors.ended();
    const members = await sessionsRepository.listParticipants(tx, sessionId);
    const me = members.find((m) => m.userId === user.id)!;
    await sessionsRepository.updateParticipant(tx, me.id, { recordingConsent: consent });
    const anyone = members.some((m) => (m.id === me.id ? consent : m.recordingConsent && m.leftAt === null));
    await sessionsRepository.updateSession(tx, sessionId, { recordingEnabled: anyone, updatedAt: now });
    for (const hook of hooks) await hook(tx, after, { sessionId, userId: user.id, consent, now });
  });
}
