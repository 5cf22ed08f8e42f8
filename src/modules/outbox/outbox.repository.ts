import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { outboxEvents, outboxSinkKeys } from '../../db/schema.ts';

export type OutboxRow = typeof outboxEvents.$inferSelect;
/** A row as a module writes it (the database assigns `seq` and `txId`). */
export type NewOutboxRow = Omit<OutboxRow, 'seq' | 'txId' | 'publishedAt'>;

/** A reader's position in the outbox: the last row read, by writing transaction then insertion. */
export interface OutboxPosition {
  /** `xid8` of the writing transaction, as decimal text. */
  txId: string;
  seq: number;
}

/** SQL of the transactional outbox. */
export const outboxRepository = {
  async insert(db: Executor, row: NewOutboxRow): Promise<void> {
    await db.insert(outboxEvents).values(row);
  },

  /**
   * Inserts many rows with one statement (matchmaking writes an event per registration of a
   * hundred slots in one transaction); order is kept (`seq` follows the list). The rows travel as
   * one JSON text, not one array parameter per column: a `jsonb[]` literal escapes every quote of
   * every event's data, which cost more than the insert itself on PGlite (issue 14).
   */
  async insertMany(db: Executor, rows: NewOutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db.execute(sql`
      insert into outbox_events (id, type, source, subject, time, key, data)
      select id, type, source, subject, time, key, data
      from rows from (json_to_recordset(${JSON.stringify(rows)}::json)
                      as (id text, type text, source text, subject text, time timestamptz, key text, data jsonb))
           with ordinality as u(id, type, source, subject, time, key, data, n)
      order by n`);
  },

  /**
   * Inserts the rows `query` selects (columns `type`, `subject`, `key`, `time`, `data`), in its
   * order, each with a new random id and `source`: for events made from rows already in the
   * database, which need not cross into JavaScript (matchmaking's 100,000, issue 14).
   */
  async insertSelected(db: Executor, source: string, query: SQL): Promise<void> {
    await db.execute(sql`
      insert into outbox_events (id, type, source, subject, time, key, data)
      select gen_random_uuid()::text, q.type, ${source}, q.subject, q.time, q.key, q.data from (${query}) q`);
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

  /**
   * Erasure: deletes the events keyed by or about `userId` (subject), and the relay positions of
   * that key. @returns the other events whose data mentions the id (their data is scrubbed by the caller).
   */
  async takeRowsNaming(db: Executor, userId: string): Promise<Pick<OutboxRow, 'seq' | 'data'>[]> {
    await db.delete(outboxEvents).where(or(eq(outboxEvents.key, userId), eq(outboxEvents.subject, userId)));
    await db.delete(outboxSinkKeys).where(eq(outboxSinkKeys.key, userId));
    // The id as it appears in the JSON text of `data` (quoted and escaped), so `u-1` does not match `u-10`.
    const needle = JSON.stringify(userId);
    return db
      .select({ seq: outboxEvents.seq, data: outboxEvents.data })
      .from(outboxEvents)
      .where(sql`position(${needle} in ${outboxEvents.data}::text) > 0`)
      .for('update');
  },

  async replaceData(db: Executor, seq: number, data: unknown): Promise<void> {
    await db.update(outboxEvents).set({ data: data as object }).where(eq(outboxEvents.seq, seq));
  },

  async deleteRows(db: Executor, seqs: readonly number[]): Promise<void> {
    if (seqs.length) await db.delete(outboxEvents).where(inArray(outboxEvents.seq, [...seqs]));
  },
};
