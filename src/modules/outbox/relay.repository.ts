import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rowsOf } from '../../db/locks.ts';
import { outboxEvents, outboxRelayLeases, outboxSinkKeys } from '../../db/schema.ts';
import type { OutboxRow } from './outbox.repository.ts';

/** A key's state for one sink after a relay round. */
export interface KeyProgress {
  key: string;
  /** The last event now delivered, or null when none was in this round. */
  delivered: Pick<OutboxRow, 'txId' | 'seq'> | null;
  failure: { error: string; retryAt: Date | null; parkedEventId: string | null } | null;
}

/** A parked key (a poison event stopped it), for operators. */
export type ParkedKey = Pick<typeof outboxSinkKeys.$inferSelect, 'sink' | 'key' | 'parkedAt' | 'parkedEventId' | 'lastError' | 'failures'>;

/** Only rows of transactions older than the oldest one still running (see `outboxRepository.listAfter`). */
const settled = sql`${outboxEvents.txId} < pg_snapshot_xmin(pg_current_snapshot())`;

/** SQL of the outbox relay: leases, per-key positions per sink, publication marks, pruning. */
export const relayRepository = {
  /**
   * Takes or renews the relay lease of `sink` for `holder` until `expiresAt`: granted when free,
   * expired, or already the holder's. One relay per sink at a time keeps per-key order across
   * instances. @returns whether `holder` holds it now.
   */
  async acquireLease(db: Executor, sink: string, holder: string, now: Date, expiresAt: Date): Promise<boolean> {
    const rows = await db.execute(sql`
      insert into outbox_relay_leases (sink, holder, expires_at) values (${sink}, ${holder}, ${expiresAt})
      on conflict (sink) do update set holder = excluded.holder, expires_at = excluded.expires_at
        where outbox_relay_leases.holder = excluded.holder or outbox_relay_leases.expires_at < ${now}
      returning holder`);
    return rowsOf(rows).length > 0;
  },

  /** Gives the lease up (graceful stop), so another instance takes over at once. */
  async releaseLease(db: Executor, sink: string, holder: string): Promise<void> {
    await db.delete(outboxRelayLeases).where(and(eq(outboxRelayLeases.sink, sink), eq(outboxRelayLeases.holder, holder)));
  },

  /**
   * The next events `sink` has to deliver, in (txId, seq) order: unpublished, of settled
   * transactions, past the key's delivered position, of keys neither parked nor backing off.
   */
  async pendingFor(db: Executor, sink: string, now: Date, limit: number): Promise<OutboxRow[]> {
    const rows = await db
      .select({ event: outboxEvents })
      .from(outboxEvents)
      .leftJoin(outboxSinkKeys, and(eq(outboxSinkKeys.sink, sink), eq(outboxSinkKeys.key, outboxEvents.key)))
      .where(
        and(
          sql`${outboxEvents.publishedAt} is null`,
          settled,
          sql`(${outboxSinkKeys.key} is null or (
                (${outboxSinkKeys.deliveredTx} is null or (${outboxEvents.txId}, ${outboxEvents.seq}) > (${outboxSinkKeys.deliveredTx}, ${outboxSinkKeys.deliveredSeq}))
                and ${outboxSinkKeys.parkedAt} is null
                and (${outboxSinkKeys.retryAt} is null or ${outboxSinkKeys.retryAt} <= ${now})))`,
        ),
      )
      .orderBy(asc(outboxEvents.txId), asc(outboxEvents.seq))
      .limit(limit);
    return rows.map((r) => r.event);
  },

  /**
   * Stores each key's outcome for `sink`: the new delivered position (failures reset), or a
   * failure (counted, with its retry time or parked).
   */
  async saveProgress(db: Executor, sink: string, progress: readonly KeyProgress[], now: Date): Promise<void> {
    for (const p of progress) {
      const position = p.delivered ? { deliveredTx: p.delivered.txId, deliveredSeq: p.delivered.seq } : {};
      const failure = p.failure
        ? { retryAt: p.failure.retryAt, parkedAt: p.failure.parkedEventId ? now : null, parkedEventId: p.failure.parkedEventId, lastError: p.failure.error }
        : { failures: 0, retryAt: null, lastError: null };
      await db
        .insert(outboxSinkKeys)
        .values({ sink, key: p.key, ...position, ...failure, failures: p.failure ? 1 : 0, updatedAt: now })
        .onConflictDoUpdate({
          target: [outboxSinkKeys.sink, outboxSinkKeys.key],
          set: { ...position, ...failure, ...(p.failure ? { failures: sql`${outboxSinkKeys.failures} + 1` } : {}), updatedAt: now },
        });
    }
  },

  /** Consecutive failures of a key for `sink` (0 when none). */
  async failuresOf(db: Executor, sink: string, keys: readonly string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await db
      .select({ key: outboxSinkKeys.key, failures: outboxSinkKeys.failures })
      .from(outboxSinkKeys)
      .where(and(eq(outboxSinkKeys.sink, sink), sql`${outboxSinkKeys.key} = any(${sql.param([...keys])}::text[])`));
    return new Map(rows.map((r) => [r.key, r.failures]));
  },

  /**
   * Marks published (`publishedAt`) the given events that every one of `sinks` has delivered
   * (their key's position is at or past them). @returns how many were marked.
   */
  async markPublished(db: Executor, seqs: readonly number[], sinks: readonly string[], now: Date): Promise<number> {
    if (seqs.length === 0) return 0;
    const rows = await db.execute(sql`
      update outbox_events o set published_at = ${now}
      where o.seq = any(${sql.param([...seqs])}::bigint[]) and o.published_at is null
        and not exists (
          select 1 from unnest(${sql.param([...sinks])}::text[]) as s(name)
          where not exists (
            select 1 from outbox_sink_keys k
            where k.sink = s.name and k.key = o.key and k.delivered_tx is not null
              and (k.delivered_tx, k.delivered_seq) >= (o.tx_id, o.seq)))
      returning o.seq`);
    return rowsOf(rows).length;
  },

  /**
   * Deletes up to `limit` events published before `cutoff` (or, `unpublishedToo`, written before
   * it: with no sink configured the admin log is the only reader), then forgets positions of keys
   * that have no event left. @returns how many events were deleted.
   */
  async prune(db: Executor, cutoff: Date, unpublishedToo: boolean, limit: number): Promise<number> {
    const which = unpublishedToo ? sql`o.time < ${cutoff}` : sql`o.published_at is not null and o.published_at < ${cutoff}`;
    const rows = await db.execute(sql`
      delete from outbox_events where seq in (select o.seq from outbox_events o where ${which} order by o.seq limit ${limit})
      returning key`);
    const deleted = rowsOf<{ key: string }>(rows);
    const keys = [...new Set(deleted.map((r) => r.key))];
    if (keys.length > 0) {
      await db.execute(sql`
        delete from outbox_sink_keys k where k.key = any(${sql.param(keys)}::text[]) and k.parked_at is null
          and not exists (select 1 from outbox_events o where o.key = k.key)`);
    }
    return deleted.length;
  },

  /** Unpublished events: how many, and the oldest one's time (readiness, metrics). */
  async backlog(db: Executor): Promise<{ count: number; oldest: Date | null }> {
    const [row] = await db
      .select({ count: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${outboxEvents.time})` })
      .from(outboxEvents)
      .where(sql`${outboxEvents.publishedAt} is null`);
    return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
  },

  /** Keys stopped on a poison event, for operators (`GET /api/admin/outbox/parked`). */
  async listParked(db: Executor): Promise<ParkedKey[]> {
    return db
      .select({
        sink: outboxSinkKeys.sink,
        key: outboxSinkKeys.key,
        parkedAt: outboxSinkKeys.parkedAt,
        parkedEventId: outboxSinkKeys.parkedEventId,
        lastError: outboxSinkKeys.lastError,
        failures: outboxSinkKeys.failures,
      })
      .from(outboxSinkKeys)
      .where(isNotNull(outboxSinkKeys.parkedAt))
      .orderBy(asc(outboxSinkKeys.parkedAt))
      .limit(500);
  },

  /** Lets a parked key go again (an operator fixed the cause). @returns whether it was parked. */
  async unpark(db: Executor, sink: string, key: string, now: Date): Promise<boolean> {
    const rows = await db
      .update(outboxSinkKeys)
      .set({ parkedAt: null, parkedEventId: null, failures: 0, retryAt: null, updatedAt: now })
      .where(and(eq(outboxSinkKeys.sink, sink), eq(outboxSinkKeys.key, key), isNotNull(outboxSinkKeys.parkedAt)))
      .returning({ key: outboxSinkKeys.key });
    return rows.length > 0;
  },
};
