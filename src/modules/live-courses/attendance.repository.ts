import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { liveSessionIntervals, liveSessionParticipants, liveSessions } from '../../db/schema.ts';

export type LiveParticipantRow = typeof liveSessionParticipants.$inferSelect;
export type IntervalRow = typeof liveSessionIntervals.$inferSelect;

/** SQL of attendance: participants of live sessions and their presence intervals (seed 004 §5). */
export const attendanceRepository = {
  async find(db: Executor, sessionId: string, userId: string): Promise<LiveParticipantRow | undefined> {
    const [row] = await db
      .select()
      .from(liveSessionParticipants)
      .where(and(eq(liveSessionParticipants.liveSessionId, sessionId), eq(liveSessionParticipants.userId, userId)));
    return row;
  },

  async insert(db: Executor, row: LiveParticipantRow): Promise<void> {
    await db.insert(liveSessionParticipants).values(row);
  },

  async update(db: Executor, id: string, patch: Partial<LiveParticipantRow>): Promise<LiveParticipantRow> {
    const [row] = await db.update(liveSessionParticipants).set(patch).where(eq(liveSessionParticipants.id, id)).returning();
    return row!;
  },

  /** Students present now in a session (they hold its seats). */
  async countPresentStudents(db: Executor, sessionId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(liveSessionParticipants)
      .where(
        and(
          eq(liveSessionParticipants.liveSessionId, sessionId),
          eq(liveSessionParticipants.role, 'student'),
          or(eq(liveSessionParticipants.pagePresent, true), eq(liveSessionParticipants.jitsiPresent, true)),
        ),
      );
    return Number(row?.n ?? 0);
  },

  async openInterval(db: Executor, id: string, participantId: string, at: Date): Promise<void> {
    await db.insert(liveSessionIntervals).values({ id, participantId, joinedAt: at, leftAt: null }).onConflictDoNothing();
  },

  /** Closes the participant's open interval at `at` (never before it opened). */
  async closeInterval(db: Executor, participantId: string, at: Date): Promise<void> {
    await db
      .update(liveSessionIntervals)
      .set({ leftAt: sql`greatest(${liveSessionIntervals.joinedAt}, ${at}::timestamptz)` })
      .where(and(eq(liveSessionIntervals.participantId, participantId), isNull(liveSessionIntervals.leftAt)));
  },

  /** Every participant of a session, in order of arrival. */
  async listParticipants(db: Executor, sessionId: string): Promise<LiveParticipantRow[]> {
    return db
      .select()
      .from(liveSessionParticipants)
      .where(eq(liveSessionParticipants.liveSessionId, sessionId))
      .orderBy(asc(liveSessionParticipants.firstJoinedAt), asc(liveSessionParticipants.id));
  },

  async listIntervals(db: Executor, participantIds: string[]): Promise<IntervalRow[]> {
    if (participantIds.length === 0) return [];
    return db.select().from(liveSessionIntervals).where(inArray(liveSessionIntervals.participantId, participantIds)).orderBy(asc(liveSessionIntervals.joinedAt));
  },

  /** Ends everyone's presence when a session ends: open intervals closed at `at`, flags cleared. */
  async closeAll(db: Executor, sessionId: string, at: Date): Promise<void> {
    const ids = db.select({ id: liveSessionParticipants.id }).from(liveSessionParticipants).where(eq(liveSessionParticipants.liveSessionId, sessionId));
    await db
      .update(liveSessionIntervals)
      .set({ leftAt: sql`greatest(${liveSessionIntervals.joinedAt}, ${at}::timestamptz)` })
      .where(and(inArray(liveSessionIntervals.participantId, ids), isNull(liveSessionIntervals.leftAt)));
    await db.update(liveSessionParticipants).set({ pagePresent: false, jitsiPresent: false }).where(eq(liveSessionParticipants.liveSessionId, sessionId));
  },

  /**
   * Participants whose page went silent (`lastSeenAt` at or before `silentBefore`) while counted
   * present through it, in live sessions, locked (others' skipped).
   */
  async claimSilent(db: Executor, silentBefore: Date, limit: number): Promise<LiveParticipantRow[]> {
    return db
      .select({ p: liveSessionParticipants })
      .from(liveSessionParticipants)
      .innerJoin(liveSessions, eq(liveSessions.id, liveSessionParticipants.liveSessionId))
      .where(and(eq(liveSessionParticipants.pagePresent, true), lte(liveSessionParticipants.lastSeenAt, silentBefore), eq(liveSessions.status, 'live')))
      .limit(limit)
      .for('update', { of: liveSessionParticipants, skipLocked: true })
      .then((rows) => rows.map((r) => r.p));
  },

  /** The user's participations in sessions that are not over, with the session's status (the caller's presence). */
  async presentIn(db: Executor, userId: string, sessionIds: string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    const rows = await db
      .select({ id: liveSessionParticipants.liveSessionId })
      .from(liveSessionParticipants)
      .where(
        and(
          eq(liveSessionParticipants.userId, userId),
          inArray(liveSessionParticipants.liveSessionId, sessionIds),
          or(eq(liveSessionParticipants.pagePresent, true), eq(liveSessionParticipants.jitsiPresent, true)),
        ),
      );
    return new Set(rows.map((r) => r.id));
  },

  /** Erasure: the user's participations and their intervals. */
  async eraseUser(db: Executor, userId: string): Promise<void> {
    const ids = db.select({ id: liveSessionParticipants.id }).from(liveSessionParticipants).where(eq(liveSessionParticipants.userId, userId));
    await db.delete(liveSessionIntervals).where(inArray(liveSessionIntervals.participantId, ids));
    await db.delete(liveSessionParticipants).where(eq(liveSessionParticipants.userId, userId));
  },
};

