import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { outboxEvents } from '../../db/schema.ts';

export type OutboxRow = typeof outboxEvents.$inferSelect;

/** A reader's position in the outbox: the last row read, by writing transaction then insertion. */
export interface OutboxPosition {
  /** `xid8` of the writing transaction, as decimal text. */
  txId: string;
  seq: number;
}

/** SQL of the transactional outbox. */
export const outboxRepository = {
  async insert(db: Executor, row: Omit<OutboxRow, 'seq' | 'txId' | 'publishedAt'>): Promise<void> {
    await db.insert(outboxEvents).values(row);
  },

  /**
   * Rows after `after` in (txId, seq) order, only of transactions older than the oldest one
   * still running: every transaction before a returned row has ended, so no row can later
   * commit behind it (a `seq` alone is taken at insert, not at commit, and would let a reader
   * skip the row of a slower transaction). A long transaction holds later rows back until it ends.
   */
  async listAfter(db: Executor, after: OutboxPosition | null, limit: number): Promise<OutboxRow[]> {
    const settled = sql`${outboxEvents.txId} < pg_snapshot_xmin(pg_current_snapshot())`;
    const where = after ? and(settled, sql`(${outboxEvents.txId}, ${outboxEvents.seq}) > (${after.txId}::xid8, ${after.seq}::bigint)`) : settled;
    return db.select().from(outboxEvents).where(where).orderBy(asc(outboxEvents.txId), asc(outboxEvents.seq)).limit(limit);
  },

  /** The position of the row with `seq` (cursors before the transaction order were a bare seq). */
  async positionOfSeq(db: Executor, seq: number): Promise<OutboxPosition | undefined> {
    const [row] = await db.select({ txId: outboxEvents.txId, seq: outboxEvents.seq }).from(outboxEvents).where(eq(outboxEvents.seq, seq));
    return row;
  },
};
