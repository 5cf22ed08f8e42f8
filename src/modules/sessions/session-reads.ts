import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository, type HistoryRow } from './sessions.repository.ts';
import { iso, toSessionView, type EndReason, type HistoryItem, type SessionView } from './sessions.views.ts';

type Rules = Pick<RuleSettings, 'privateSessionTimeoutMs' | 'joinWindowMs'>;

/**
 * A session the caller is a member of (seed 002 task 5 `getParticipants` included).
 * @throws AppError not_found/SESSION_NOT_FOUND (also for non-members: no existence leak).
 */
export async function getSession(db: Executor, rules: Rules, user: AuthUser, sessionId: string): Promise<SessionView> {
  const row = await sessionsRepository.findById(db, sessionId);
  if (!row || !(await sessionsRepository.findParticipant(db, sessionId, user.id))) throw SessionErrors.notFound();
  return toSessionView(row, await sessionsRepository.listParticipants(db, row.id), rules);
}

/**
 * DESIGN 4.6: the caller's session that is active, or waiting with its join window
 * (`RULES_JOIN_WINDOW`) open; sessions the caller left on purpose are not offered again.
 * @throws AppError not_found/NO_CURRENT_SESSION.
 */
export async function getCurrentSession(db: Executor, rules: Rules, user: AuthUser, now: Date): Promise<SessionView> {
  const row = await sessionsRepository.findCurrentForUser(db, user.id, new Date(now.getTime() + rules.joinWindowMs));
  if (!row) throw SessionErrors.noCurrent();
  return toSessionView(row, await sessionsRepository.listParticipants(db, row.id), rules);
}

/**
 * Seed 002 AC8: the caller's ended sessions, newest first, with topic, participant count,
 * duration, and the caller's own presence, speaking time and rating. Keyset pagination on
 * (endedAt, id).
 * @throws AppError validation/INVALID_CURSOR.
 */
export async function sessionHistory(db: Executor, user: AuthUser, query: { cursor?: string; limit?: number }): Promise<{ items: HistoryItem[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  const before = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await sessionsRepository.listHistory(db, user.id, { before: before ? { at: new Date(before.at), id: before.id } : undefined, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toHistoryItem),
    nextCursor: rows.length > limit && last?.session.endedAt ? encodeCursor({ at: last.session.endedAt.toISOString(), id: last.session.id }) : null,
  };
}

function toHistoryItem(r: HistoryRow): HistoryItem {
  const { session: s, me } = r;
  return {
    id: s.id,
    type: s.type as HistoryItem['type'],
    targetLanguageCode: s.targetLanguageCode,
    level: s.level,
    topicTitle: s.topicTitle,
    participantCount: r.participantCount,
    durationSeconds: s.startedAt && s.endedAt ? Math.max(0, Math.round((s.endedAt.getTime() - s.startedAt.getTime()) / 1000)) : 0,
    status: 'ended',
    endReason: s.endReason as EndReason | null,
    startedAt: iso(s.startedAt),
    endedAt: iso(s.endedAt),
    myPresenceSeconds: me.presenceSeconds,
    mySpeakingTimeSeconds: Math.floor(me.speakingTimeMs / 1000),
    myRating: r.rating,
  };
}
