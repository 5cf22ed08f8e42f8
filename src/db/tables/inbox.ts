import { bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

// Events consumed from the platform (issue 10: `user.deleted`): processed once, or parked.

/** Event ids already applied: written in the same transaction as the event's effect (exactly once in effect). */
export const processedEvents = pgTable('processed_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  source: text('source').notNull(),
  /** `kafka` or `http`. */
  transport: text('transport').notNull(),
  processedAt: ts('processed_at').notNull(),
});

/** Consumed events that could not be applied (malformed, unknown type): kept with the reason and the raw value. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    transport: text('transport').notNull(),
    topic: text('topic'),
    partition: integer('partition'),
    offset: text('offset'),
    /** The raw value as received (UTF-8 text; at most 64 KiB kept). */
    value: text('value').notNull(),
    headers: jsonb('headers'),
    reason: text('reason').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [index('dead_letters_received_idx').on(t.receivedAt)],
);

