import { desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { deadLetters, processedEvents } from '../../db/schema.ts';

export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** SQL of the inbox: processed event ids and dead letters. */
export const inboxRepository = {
  /** Records an event id as processed, unless it already is. @returns true when it was new. */
  async markProcessed(db: Executor, row: typeof processedEvents.$inferInsert): Promise<boolean> {
    const inserted = await db.insert(processedEvents).values(row).onConflictDoNothing().returning({ id: processedEvents.id });
    return inserted.length > 0;
  },

  async insertDeadLetter(db: Executor, row: Omit<DeadLetterRow, 'seq'>): Promise<void> {
    await db.insert(deadLetters).values(row);
  },

  async listDeadLetters(db: Executor, limit: number): Promise<DeadLetterRow[]> {
    return db.select().from(deadLetters).orderBy(desc(deadLetters.seq)).limit(limit);
  },

  /** Deletes dead letters whose value or headers mention `text` (an erased user's id). @returns how many. */
  async deleteDeadLettersMentioning(db: Executor, text: string): Promise<number> {
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await db
      .delete(deadLetters)
      .where(sql`${deadLetters.value} like ${pattern} or coalesce(${deadLetters.headers}::text, '') like ${pattern}`)
      .returning({ seq: deadLetters.seq });
    return rows.length;
  },

  async isProcessed(db: Executor, id: string): Promise<boolean> {
    const [row] = await db.select({ id: processedEvents.id }).from(processedEvents).where(eq(processedEvents.id, id));
    return row !== undefined;
  },
};
