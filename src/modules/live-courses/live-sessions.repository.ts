import { and, asc, eq, gt, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { courseEnrolments, courseStaff, liveSessionReminders, liveSessions, liveWebhookDeliveries } from '../../db/schema.ts';

export type LiveSessionRow = typeof liveSessions.$inferSelect;
export type ReminderRow = typeof liveSessionReminders.$inferSelect;

/** SQL of live sessions, their reminders and the webhook deliveries already applied. */
export const liveSessionsRepository = {
  async insert(db: Executor, rows: LiveSessionRow[]): Promise<void> {
    if (rows.length) await db.insert(liveSessions).values(rows);
  },

  async findById(db: Executor, id: string): Promise<LiveSessionRow | undefined> {
    const [row] = await db.select().from(liveSessions).where(eq(liveSessions.id, id));
    return row;
  },

  async lockById(db: Executor, id: string): Promise<LiveSessionRow | undefined> {
    const [row] = await db.select().from(liveSessions).where(eq(liveSessions.id, id)).for('update');
    return row;
  },

  async findByRoom(db: Executor, room: string): Promise<LiveSessionRow | undefined> {
    const [row] = await db.select().from(liveSessions).where(eq(liveSessions.jitsiRoomName, room));
    return row;
  },

  async update(db: Executor, id: string, patch: Partial<LiveSessionRow>): Promise<LiveSessionRow> {
    const [row] = await db.update(liveSessions).set(patch).where(eq(liveSessions.id, id)).returning();
    return row!;
  },

  async listByCourse(db: Executor, courseId: string): Promise<LiveSessionRow[]> {
    return db.select().from(liveSessions).where(eq(liveSessions.courseId, courseId)).orderBy(asc(liveSessions.startAt), asc(liveSessions.number));
  },

  /**
   * Sessions of every course `userId` runs or is enrolled in, by start; with `range`, those
   * overlapping `[from, to)`.
   */
  async listForUser(db: Executor, userId: string, range?: { from: Date; to: Date }): Promise<LiveSessionRow[]> {
    const mine = or(
      inArray(liveSessions.courseId, db.select({ id: courseStaff.courseId }).from(courseStaff).where(eq(courseStaff.userId, userId))),
      inArray(liveSessions.courseId, db.select({ id: courseEnrolments.courseId }).from(courseEnrolments).where(eq(courseEnrolments.userId, userId))),
    );
    const where = range ? and(mine, lt(liveSessions.startAt, range.to), gt(liveSessions.endAt, range.from)) : mine;
    return db.select().from(liveSessions).where(where).orderBy(asc(liveSessions.startAt), asc(liveSessions.id));
  },

  /** Live sessions whose scheduled end is at or before `endedBefore`, locked (others' skipped). */
  async claimOverrunning(db: Executor, endedBefore: Date, limit: number): Promise<LiveSessionRow[]> {
    return db
      .select()
      .from(liveSessions)
      .where(and(eq(liveSessions.status, 'live'), lte(liveSessions.endAt, endedBefore)))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Takes the next chat sequence number of a session (the row stays locked to the commit: per-session order). */
  async nextChatSeq(db: Executor, id: string): Promise<number> {
    const [row] = await db
      .update(liveSessions)
      .set({ chatSeq: sql`${liveSessions.chatSeq} + 1` })
      .where(eq(liveSessions.id, id))
      .returning({ seq: liveSessions.chatSeq });
    return row!.seq;
  },

  /** Replaces the reminders not sent yet of a session with `plan` (a reminder already sent stays). */
  async planReminders(db: Executor, sessionId: string, plan: { kind: string; dueAt: Date }[]): Promise<void> {
    await db.delete(liveSessionReminders).where(and(eq(liveSessionReminders.liveSessionId, sessionId), isNull(liveSessionReminders.sentAt)));
    if (plan.length === 0) return;
    await db
      .insert(liveSessionReminders)
      .values(plan.map((p) => ({ liveSessionId: sessionId, kind: p.kind, dueAt: p.dueAt, sentAt: null, skipped: false })))
      .onConflictDoUpdate({
        target: [liveSessionReminders.liveSessionId, liveSessionReminders.kind],
        set: { dueAt: sql`excluded.due_at`, sentAt: null, skipped: false },
      });
  },

  /** Drops the reminders not sent yet (a cancelled session). */
  async dropPendingReminders(db: Executor, sessionId: string): Promise<void> {
    await db.delete(liveSessionReminders).where(and(eq(liveSessionReminders.liveSessionId, sessionId), isNull(liveSessionReminders.sentAt)));
  },

  /**
   * Due reminders not sent yet, with their session, locked (`FOR UPDATE SKIP LOCKED` on the
   * reminder rows: another instance's sweep takes the others), oldest first.
   */
  async claimDueReminders(db: Executor, now: Date, limit: number): Promise<{ reminder: ReminderRow; session: LiveSessionRow }[]> {
    return db
      .select({ reminder: liveSessionReminders, session: liveSessions })
      .from(liveSessionReminders)
      .innerJoin(liveSessions, eq(liveSessions.id, liveSessionReminders.liveSessionId))
      .where(and(isNull(liveSessionReminders.sentAt), lte(liveSessionReminders.dueAt, now)))
      .orderBy(asc(liveSessionReminders.dueAt))
      .limit(limit)
      .for('update', { of: liveSessionReminders, skipLocked: true });
  },

  async markReminder(db: Executor, sessionId: string, kind: string, sentAt: Date, skipped: boolean): Promise<void> {
    await db
      .update(liveSessionReminders)
      .set({ sentAt, skipped })
      .where(and(eq(liveSessionReminders.liveSessionId, sessionId), eq(liveSessionReminders.kind, kind)));
  },

  /** Records a webhook delivery. @returns false when it was already applied (a retry). */
  async recordDelivery(db: Executor, key: string, at: Date): Promise<boolean> {
    const rows = await db.insert(liveWebhookDeliveries).values({ key, receivedAt: at }).onConflictDoNothing().returning({ key: liveWebhookDeliveries.key });
    return rows.length > 0;
  },

  /** Erasure: sessions keep their course, not who created them. */
  async eraseCreator(db: Executor, userId: string): Promise<void> {
    await db.update(liveSessions).set({ createdBy: null }).where(eq(liveSessions.createdBy, userId));
  },

  async listByIds(db: Executor, ids: string[]): Promise<LiveSessionRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(liveSessions).where(inArray(liveSessions.id, ids));
  },
};
