import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Idempotency keys of retried POSTs (issue 13): one row per user and `Idempotency-Key`, `pending`
 * while the first request runs (held by `owner`), then `done` with the answer to replay.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: text('user_id').notNull(),
    key: text('key').notNull(),
    /** sha256 of method, route, parameters and canonical body: a retry must match it. */
    fingerprint: text('fingerprint').notNull(),
    state: text('state', { enum: ['pending', 'done'] }).notNull(),
    /** Random id of the request executing (a stale one may be taken over). */
    owner: text('owner').notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    responseType: text('response_type'),
    createdAt: ts('created_at').notNull(),
    /** When `owner` started; a pending row older than the pending timeout is stale. */
    lockedAt: ts('locked_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_at_idx').on(t.createdAt)],
);
