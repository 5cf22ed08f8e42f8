import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts, xid8 } from './columns.ts';

/**
 * Transactional outbox (DESIGN 3, 4.4): each row is a CloudEvents 1.0 event written in the same
 * transaction as the state change it reports; a relay publishes rows afterwards.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    /** Insertion order (within a transaction, the order of `record` calls). */
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    /**
     * The writing transaction's id: readers go by (txId, seq) and only past the oldest
     * transaction still running, so a row committed late behind a cursor is never skipped.
     */
    txId: xid8('tx_id').notNull().default(sql`pg_current_xact_id()`),
    id: text('id').notNull(),
    type: text('type').notNull(),
    source: text('source').notNull(),
    subject: text('subject'),
    time: ts('time').notNull(),
    /** Kafka message key (the session id: ordering per session). */
    key: text('key').notNull(),
    data: jsonb('data').notNull(),
    publishedAt: ts('published_at'),
  },
  (t) => [
    uniqueIndex('outbox_events_id_uq').on(t.id),
    index('outbox_events_unpublished_idx').on(t.seq).where(sql`published_at is null`),
    index('outbox_events_tx_seq_idx').on(t.txId, t.seq),
  ],
);
