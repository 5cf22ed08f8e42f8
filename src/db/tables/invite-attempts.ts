import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/** Invite-code attempts counted per window key (`user:…`, `address:…`, `global`), issue 13. */
export const inviteCodeAttempts = pgTable(
  'invite_code_attempts',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('invite_code_attempts_key_at_idx').on(t.key, t.at), index('invite_code_attempts_at_idx').on(t.at)],
);
