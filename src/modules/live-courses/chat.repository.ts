import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { liveSessionChat } from '../../db/schema.ts';

export type ChatRow = typeof liveSessionChat.$inferSelect;

/** SQL of the Q&A chat (seed 004 §5 `live_session_chat`). */
export const chatRepository = {
  async insert(db: Executor, row: ChatRow): Promise<void> {
    await db.insert(liveSessionChat).values(row);
  },

  async find(db: Executor, sessionId: string, id: string): Promise<ChatRow | undefined> {
    const [row] = await db
      .select()
      .from(liveSessionChat)
      .where(and(eq(liveSessionChat.liveSessionId, sessionId), eq(liveSessionChat.id, id)));
    return row;
  },

  async update(db: Executor, id: string, patch: Partial<ChatRow>): Promise<ChatRow> {
    const [row] = await db.update(liveSessionChat).set(patch).where(eq(liveSessionChat.id, id)).returning();
    return row!;
  },

  /** Messages whose last change is after `afterSeq`, in change order. */
  async listAfter(db: Executor, sessionId: string, afterSeq: number, limit: number): Promise<ChatRow[]> {
    return db
      .select()
      .from(liveSessionChat)
      .where(and(eq(liveSessionChat.liveSessionId, sessionId), gt(liveSessionChat.seq, afterSeq)))
      .orderBy(asc(liveSessionChat.seq))
      .limit(limit);
  },

  /** Undeleted answers to a question. */
  async listAnswers(db: Executor, sessionId: string, questionId: string): Promise<ChatRow[]> {
    return db
      .select()
      .from(liveSessionChat)
      .where(and(eq(liveSessionChat.liveSessionId, sessionId), eq(liveSessionChat.replyTo, questionId), isNull(liveSessionChat.deletedAt)));
  },

  /** Messages a user posted in a session after `since` (rate limit, under the session's lock). */
  async countSince(db: Executor, sessionId: string, userId: string, since: Date): Promise<{ n: number; oldest: Date | null }> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${liveSessionChat.createdAt})` })
      .from(liveSessionChat)
      .where(and(eq(liveSessionChat.liveSessionId, sessionId), eq(liveSessionChat.userId, userId), gt(liveSessionChat.createdAt, since)));
    return { n: Number(row?.n ?? 0), oldest: row?.oldest ? new Date(row.oldest) : null };
  },

  /** Questions asked and answered in a session (deleted ones left out). */
  async questionCounts(db: Executor, sessionId: string): Promise<{ asked: number; answered: number }> {
    const [row] = await db
      .select({
        asked: sql<number>`count(*)::int`,
        answered: sql<number>`count(*) filter (where ${liveSessionChat.answered})::int`,
      })
      .from(liveSessionChat)
      .where(and(eq(liveSessionChat.liveSessionId, sessionId), eq(liveSessionChat.type, 'question'), isNull(liveSessionChat.deletedAt)));
    return { asked: Number(row?.asked ?? 0), answered: Number(row?.answered ?? 0) };
  },

  /** Erasure: the user's own messages. */
  async eraseUser(db: Executor, userId: string): Promise<void> {
    await db.delete(liveSessionChat).where(eq(liveSessionChat.userId, userId));
  },
};
