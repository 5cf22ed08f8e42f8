import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/locks.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { generateInviteCode } from './invite-code.ts';
import type { SessionCore } from './session-core.ts';
import { checkSessionLimits } from './session-limits.ts';
import { newParticipantRow, newSessionRow } from './session-rows.ts';
import { sessionsRepository } from './sessions.repository.ts';

/** Input of `POST /api/sessions` (seed 002 AC2). */
export interface CreatePrivateInput {
  targetLanguageCode: string;
  level?: string;
  topicId?: string;
  topicTitle?: string;
  /** 2..6, default 4 (DESIGN 2). */
  maxParticipants?: number;
  recordingConsent?: boolean;
}

/**
 * Called with the new session's id inside its transaction, last (the route's idempotent answer is
 * read and stored there, so the session and the answer commit together); what it throws rolls the
 * session back.
 */
export type AfterCreate = (tx: Executor, sessionId: string) => Promise<void>;

/** Draws of a fresh invite code when one is taken by a live session. */
const CODE_ATTEMPTS = 6;

/**
 * Seed 002 AC2: creates a private session whose creator is host, with a fresh invite code
 * (`invite-code.ts`), under the creator's session limits (`session-limits.ts`).
 * @returns the new session's id.
 * @throws AppError limit_reached/TOO_MANY_ACTIVE_SESSIONS or DAILY_SESSION_LIMIT.
 */
export async function createPrivateSession(core: SessionCore, user: AuthUser, input: CreatePrivateInput, now: Date, afterCreate?: AfterCreate): Promise<string> {
  const id = crypto.randomUUID();
  const consent = input.recordingConsent ?? false;
  for (let attempt = 1; ; attempt++) {
    try {
      await core.transact(async (tx) => {
        await sessionsRepository.lockUser(tx, user.id);
        await checkSessionLimits(tx, user, now, true);
        await sessionsRepository.insertSessions(tx, [
          {
            ...newSessionRow(id, now),
            type: 'private',
            targetLanguageCode: input.targetLanguageCode,
            level: input.level ?? null,
            topicId: input.topicId ?? null,
            topicTitle: input.topicTitle ?? null,
            hostUserId: user.id,
            maxParticipants: input.maxParticipants ?? 4,
            inviteCode: generateInviteCode(),
            recordingEnabled: consent,
            lastPresenceAt: now,
          },
        ]);
        await sessionsRepository.insertParticipants(tx, [newParticipantRow(id, { userId: user.id, displayName: user.name, role: 'host', recordingConsent: consent }, now)]);
        await afterCreate?.(tx, id);
      });
      return id;
    } catch (err) {
      // A code already used by a live session (unique partial index): draw another.
      if (isUniqueViolation(err) && attempt < CODE_ATTEMPTS) continue;
      throw err;
    }
  }
}
