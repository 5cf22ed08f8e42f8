import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
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
    /**
     * A grouped row (issue 14: matchmaking's 100,000 `registration.matched`, one row per session):
     * it holds one event per member, of the row's type and time. Member i's event has subject
     * `memberSubjects[i]`, key `memberKeys[i]`, and data `data` plus those two values under the
     * field names `memberFields` (`[subjectField, keyField]`, e.g. `registrationId`, `userId`).
     * Null on a row of one event. Readers see the events, never the row (`outboxRepository`).
     */
    memberSubjects: text('member_subjects').array(),
    memberKeys: text('member_keys').array(),
    memberFields: text('member_fields').array(),
  },
  // No unique index on `id`: ids are random UUIDs made at write time (outbox.service toRow) and
  // nothing looks an event up by id; the index cost every event write (matchmaking writes
  // 100,000 in one sweep, issue 14).
  (t) => [
    index('outbox_events_unpublished_idx').on(t.txId, t.seq).where(sql`published_at is null`),
    index('outbox_events_tx_seq_idx').on(t.txId, t.seq),
    index('outbox_events_key_idx').on(t.key),
    index('outbox_events_published_idx').on(t.publishedAt).where(sql`published_at is not null`),
  ],
);

/**
 * How far each event sink got with each key (the relay, issue 10): events of a key are delivered
 * in (txId, seq) order, so one position per (sink, key) says what was delivered; a failing key
 * backs off (`retryAt`) or is parked (a poison event) without holding the other keys back.
 */
export const outboxSinkKeys = pgTable(
  'outbox_sink_keys',
  {
    /** `kafka`, `webhook:<id>`. */
    sink: text('sink').notNull(),
    key: text('key').notNull(),
    /** The last event delivered, as (txId, seq); null before the first. */
    deliveredTx: xid8('delivered_tx'),
    deliveredSeq: bigint('delivered_seq', { mode: 'number' }),
    /** Consecutive failed attempts of the next event. */
    failures: integer('failures').notNull().default(0),
    /** Not before this (exponential backoff with jitter). */
    retryAt: ts('retry_at'),
    /** Set when the key stopped on a poison event; an admin retries it. */
    parkedAt: ts('parked_at'),
    parkedEventId: text('parked_event_id'),
    /** The last failure, without secrets (no URLs' queries, no tokens). */
    lastError: text('last_error'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sink, t.key] }), index('outbox_sink_keys_parked_idx').on(t.sink).where(sql`parked_at is not null`)],
);

/** One relay per sink at a time across instances: the holder renews its lease; a dead holder's lease expires. */
export const outboxRelayLeases = pgTable('outbox_relay_leases', {
  sink: text('sink').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});
