import type { AuthUser } from '../auth/auth.service.ts';
import { attemptWindows, type InviteAttemptStore } from './invite-attempts.ts';
import { normaliseInviteCode } from './invite-code.ts';
import type { SessionCore } from './session-core.ts';
import { checkSessionLimits } from './session-limits.ts';
import { newParticipantRow } from './session-rows.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository } from './sessions.repository.ts';

/** Where invite-code attempts are counted, and the budgets (settings `INVITE_CODE_*`). */
export interface InviteAttemptLimits {
  store: InviteAttemptStore;
  perUser: number;
  perAddress: number;
  /** Window of the per-user and per-address budgets, ms. */
  windowMs: number;
  /** Attempts with a wrong code per hour across every user and address. */
  globalPerHour: number;
}

/**
 * Seed 002 AC3: joins a live private session by its invite code as `participant`, `waiting`
 * until connected, if a seat is free (members who have not left count) and the user's limits
 * allow. A member who had left takes a seat again; one still present changes nothing. Each attempt
 * is counted before the code is looked up, atomically across instances (`invite-attempts.ts`), in
 * the caller's user, address and global budgets; a right code hands its attempt back.
 * @returns the session id and whether a seat was taken (false: already a member).
 * @throws AppError rate_limited/RATE_LIMITED (details.retryAfterSeconds), not_found/INVITE_CODE_NOT_FOUND,
 *   conflict/SESSION_FULL, limit_reached/TOO_MANY_ACTIVE_SESSIONS or DAILY_SESSION_LIMIT.
 */
export async function joinByCode(
  core: SessionCore,
  limits: InviteAttemptLimits,
  user: AuthUser,
  input: { inviteCode: string; recordingConsent?: boolean },
  context: { address: string },
  now: Date,
): Promise<{ sessionId: string; created: boolean }> {
  const charge = await limits.store.charge(attemptWindows(user.id, context.address, limits), now.getTime());
  if (!charge.ok) throw SessionErrors.inviteCodeRateLimited(charge.retryAfterSeconds);

  const code = normaliseInviteCode(input.inviteCode);
  const session = code ? await sessionsRepository.findLiveByInviteCode(core.db, code) : undefined;
  if (!session) throw SessionErrors.inviteCodeNotFound(); // the attempt stays counted
  // A right code is no guess: its attempt is handed back, so only wrong codes use the budgets.
  await limits.store.refund(charge.ids);
  const consent = input.recordingConsent ?? false;
  const created = await core.transact(async (tx) => {
    await sessionsRepository.lockUser(tx, user.id);
    const locked = await sessionsRepository.lockById(tx, session.id);
    if (!locked || locked.status === 'ended') throw SessionErrors.inviteCodeNotFound();
    const members = await sessionsRepository.listParticipants(tx, locked.id);
    const mine = members.find((m) => m.userId === user.id);
    if (mine && mine.leftAt === null) return false;
    if (members.filter((m) => m.leftAt === null).length >= locked.maxParticipants) throw SessionErrors.full();
    await checkSessionLimits(tx, user, now, !mine);
    if (mine) {
      await sessionsRepository.updateParticipant(tx, mine.id, { leftAt: null, leftReason: null, status: 'waiting', recordingConsent: consent, role: 'participant' });
    } else {
      await sessionsRepository.insertParticipants(tx, [newParticipantRow(locked.id, { userId: user.id, displayName: user.name, role: 'participant', recordingConsent: consent }, now)]);
    }
    await sessionsRepository.updateSession(tx, locked.id, {
      recordingEnabled: consent || members.some((m) => m.userId !== user.id && m.leftAt === null && m.recordingConsent),
      lastPresenceAt: now,
      updatedAt: now,
    });
    return true;
  });
  // A rejoin after leaving, or a new member, emits no change: the cached membership goes (committed now).
  if (created) core.membership?.forget(session.id);
  return { sessionId: session.id, created };
}
