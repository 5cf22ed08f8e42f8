import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rowsOf } from '../../db/locks.ts';
import { outboxEvents, outboxSinkKeys } from '../../db/schema.ts';
import { itemColumns, outboxItems, toItem, type OutboxItem, type RawItem } from './outbox-items.repository.ts';

/** A row of one event as a module writes it (the database assigns `seq` and `txId`). */
export type NewOutboxRow = Pick<typeof outboxEvents.$inferSelect, 'id' | 'type' | 'source' | 'subject' | 'time' | 'key' | 'data'>;

/**
 * A reader's position in the outbox: the last event read, by writing transaction, then insertion,
 * then member of a grouped row (`part`, 0 for a row of one event; see `outbox-items.repository.ts`).
 */
export interface OutboxPosition {
  /** `xid8` of the writing transaction, as decimal text. */
  txId: string;
  seq: number;
  part: number;
}

/** What a grouped row's select yields (see `insertGrouped`). */
export interface GroupedEventsQuery {
  /** Columns `type`, `group_id` (the row's own subject and key: what the group is, e.g. the session), `time`, `data` (the members' common part), `subjects` and `keys` (text[], one per member). */
  query: SQL;
  /** The data fields that take each member's subject and key, e.g. `registrationId`, `userId`. */
  subjectField: string;
  keyField: string;
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
   * Inserts one grouped row per row `grouped.query` selects, each with a new random id and
   * `source`: for events made from rows already in the database, which need not cross into
   * JavaScript. Matchmaking's 100,000 `registration.matched` become 13,000 rows holding two short
   * arrays each, not 100,000 rows: on PGlite a written row costs 10-20 µs whatever it holds
   * (issue 14). Readers see one event per member (`outbox-items.repository.ts`).
   */
  async insertGrouped(db: Executor, source: string, grouped: GroupedEventsQuery): Promise<void> {
    await db.execute(sql`
      insert into outbox_events (id, type, source, subject, time, key, data, member_subjects, member_keys, member_fields)
      select gen_random_uuid()::text, q.type, ${source}, q.group_id, q.time, q.group_id, q.data, q.subjects, q.keys,
             array[${grouped.subjectField}::text, ${grouped.keyField}::text]
      from (${grouped.query}) q`);
  },

  /**
   * Rows after `after` in (txId, seq) order, only of transactions older than the oldest one
   * still running: every transaction before a returned row has ended, so no row can later
   * commit behind it (a `seq` alone is taken at insert, not at commit, and would let a reader
   * skip the row of a slower transaction). A long transaction holds later rows back until it ends.
   */
  async listAfter(db: Executor, after: OutboxPosition | null, limit: number): Promise<OutboxItem[]> {
    const settled = sql`o.tx_id < pg_snapshot_xmin(pg_current_snapshot())`;
    const from = after ? sql`and (o.tx_id, o.seq) >= (${after.txId}::xid8, ${after.seq}::bigint)` : sql``;
    const past = after ? sql`where (e.tx_id, e.seq, e.part) > (${after.txId}::xid8, ${after.seq}::bigint, ${after.part}::int)` : sql``;
    // The rows first, in order and no more than the page needs (the cursor's own row may have
    // nothing left, hence one more), then only their events: expanding everything past the
    // cursor made paging through the whole log quadratic.
    const result = await db.execute(sql`
      select ${itemColumns}
      from (${outboxItems(sql`o.seq = any(array(select o.seq from outbox_events o where ${settled} ${from} order by o.tx_id, o.seq limit ${limit + 1}))`)}) e
      ${past}
      order by e.tx_id, e.seq, e.part limit ${limit}`);
    return rowsOf<RawItem>(result).map(toItem);
  },

  /** The position of the row with `seq` (cursors before the transaction order were a bare seq), past all its events. */
  async positionOfSeq(db: Executor, seq: number): Promise<OutboxPosition | undefined> {
    const [row] = await db
      .select({ txId: outboxEvents.txId, seq: outboxEvents.seq, part: sql<number>`coalesce(cardinality(${outboxEvents.memberKeys}), 0)::int` })
      .from(outboxEvents)
      .where(eq(outboxEvents.seq, seq));
    return row;
  },

  /**
   * Erasure: deletes the events keyed by or about `userId` (subject), members of grouped rows
   * included (a row left without members goes), and the relay positions of that key.
   * @returns the other rows whose data mentions the id (their data is scrubbed by the caller).
   */
  async takeRowsNaming(db: Executor, userId: string): Promise<{ seq: number; data: unknown }[]> {
    await db.delete(outboxEvents).where(and(isNull(outboxEvents.memberKeys), or(eq(outboxEvents.key, userId), eq(outboxEvents.subject, userId))));
    // A member naming the user becomes a null in both arrays, so the others keep their positions.
    // No index finds the members: like the scan of `data` below, erasure reads the whole (pruned) outbox.
    const without = (column: SQL) => sql`(select array_agg(case when u.key = ${userId} or u.subject = ${userId} then null else ${column} end order by u.n)
      from unnest(o.member_subjects, o.member_keys) with ordinality as u(subject, key, n))`;
    await db.execute(sql`
      update outbox_events o set member_subjects = ${without(sql`u.subject`)}, member_keys = ${without(sql`u.key`)}
      where ${userId} = any(o.member_keys) or ${userId} = any(o.member_subjects)`);
    await db.execute(sql`delete from outbox_events where member_keys is not null and cardinality(array_remove(member_keys, null)) = 0`);
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
