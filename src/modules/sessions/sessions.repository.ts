import { and, asc, eq, inArray, isNotNull, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { participants, sessions } from '../../db/schema.ts';

export type SessionRow = typeof sessions.$inferSelect;
export type ParticipantRow = typeof participants.$inferSelect;

/** SQL of sessions and participants. */
export const sessionsRepository = {
  async insertSessions(db: Executor, rows: SessionRow[]): Promise<void> {
    if (rows.length) await db.insert(sessions).values(rows);
  },

  async insertParticipants(db: Executor, rows: ParticipantRow[]): Promise<void> {
    if (rows.length) await db.insert(participants).values(rows);
  },

  async findById(db: Executor, id: string): Promise<SessionRow | undefined> {
    const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
    return row;
  },

  async lockById(db: Executor, id: string): Promise<SessionRow | undefined> {
    const [row] = await db.select().from(sessions).where(eq(sessions.id, id)).for('update');
    return row;
  },

  async listParticipants(db: Executor, sessionId: string): Promise<ParticipantRow[]> {
    return db.select().from(participants).where(eq(participants.sessionId, sessionId)).orderBy(asc(participants.createdAt), asc(participants.id));
  },

  async findParticipant(db: Executor, sessionId: string, userId: string): Promise<ParticipantRow | undefined> {
    const [row] = await db
      .select()
      .from(participants)
      .where(and(eq(participants.sessionId, sessionId), eq(participants.userId, userId)));
    return row;
  },

  async lockParticipant(db: Executor, sessionId: string, userId: string): Promise<ParticipantRow | undefined> {
    const [row] = await db
      .select()
      .from(participants)
      .where(and(eq(participants.sessionId, sessionId), eq(participants.userId, userId)))
      .for('update');
    return row;
  },

  async updateParticipant(db: Executor, id: string, patch: Partial<ParticipantRow>): Promise<void> {
    await db.update(participants).set(patch).where(eq(participants.id, id));
  },

  async updateSession(db: Executor, id: string, patch: Partial<SessionRow>): Promise<void> {
    await db.update(sessions).set(patch).where(eq(sessions.id, id));
  },

  /**
   * The user's session that is `active`, or `waiting` with its join window open
   * (`scheduledStartAt <= joinableBefore`, or no schedule), soonest first.
   */
  async findCurrentForUser(db: Executor, userId: string, joinableBefore: Date): Promise<SessionRow | undefined> {
    const [row] = await db
      .select({ session: sessions })
      .from(sessions)
      .innerJoin(participants, eq(participants.sessionId, sessions.id))
      .where(
        and(
          eq(participants.userId, userId),
          or(
            eq(sessions.status, 'active'),
            and(eq(sessions.status, 'waiting'), or(isNull(sessions.scheduledStartAt), lte(sessions.scheduledStartAt, joinableBefore))),
          ),
        ),
      )
      .orderBy(asc(sessions.scheduledStartAt), asc(sessions.createdAt))
      .limit(1);
    return row?.session;
  },

  /** Waiting public sessions whose start time has come, locked (skip those another instance holds). */
  async claimSessionsToStart(db: Executor, now: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(and(eq(sessions.status, 'waiting'), eq(sessions.type, 'public'), lte(sessions.scheduledStartAt, now)))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Live sessions whose planned end has passed, locked. */
  async claimSessionsPastEnd(db: Executor, now: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(and(ne(sessions.status, 'ended'), isNotNull(sessions.scheduledEndAt), lte(sessions.scheduledEndAt, now)))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /**
   * Active public sessions past their start grace (`scheduledStartAt <= graceStartedBefore`) with
   * fewer than 2 members who ever connected, locked.
   */
  async claimSessionsToCancel(db: Executor, graceStartedBefore: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.status, 'active'),
          eq(sessions.type, 'public'),
          lte(sessions.scheduledStartAt, graceStartedBefore),
          sql`(select count(*) from participants p where p.session_id = sessions.id and p.joined_at is not null) < 2`,
        ),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Closes the participation of everyone still present when a session ends, counting presence up to `now`. */
  async closeParticipations(db: Executor, sessionId: string, now: Date): Promise<void> {
    await db
      .update(participants)
      .set({
        presenceSeconds: sql`${participants.presenceSeconds} + coalesce(floor(extract(epoch from (${now}::timestamptz - ${participants.connectedSince})))::int, 0)`,
        connectedSince: null,
        status: sql`case when ${participants.status} = 'connected' then 'disconnected' else ${participants.status} end`,
        leftAt: sql`case when ${participants.joinedAt} is not null then coalesce(${participants.leftAt}, ${now}::timestamptz) else ${participants.leftAt} end`,
      })
      .where(eq(participants.sessionId, sessionId));
  },

  async listSessionsByIds(db: Executor, ids: string[]): Promise<SessionRow[]> {
    if (!ids.length) return [];
    return db.select().from(sessions).where(inArray(sessions.id, ids));
  },
};
