import { asc, gt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { outboxEvents } from '../../db/schema.ts';

export type OutboxRow = typeof outboxEvents.$inferSelect;

/** SQL of the transactional outbox. */
export const eventsRepository = {
  async insert(db: Executor, row: Omit<OutboxRow, 'seq' | 'publishedAt'>): Promise<void> {
    await db.insert(outboxEvents).values(row);
  },

  /** Rows with `seq > after`, oldest first. */
  async listAfter(db: Executor, after: number, limit: number): Promise<OutboxRow[]> {
    return db.select().from(outboxEvents).where(gt(outboxEvents.seq, after)).orderBy(asc(outboxEvents.seq)).limit(limit);
  },
};
