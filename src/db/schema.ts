/**
 * Database schema, shared by PGlite and the PostgreSQL server: one file per area under `tables/`,
 * re-exported here (drizzle-kit reads this file: `npm run db:generate`). Fields follow seed 001;
 * its MongoDB indexes become SQL indexes (DESIGN 2). Times are `timestamptz` (UTC).
 */
export * from './tables/slots.ts';
export * from './tables/sessions.ts';
export * from './tables/outbox.ts';
export * from './tables/inbox.ts';
export * from './tables/live-courses.ts';
export * from './tables/calendar.ts';
export * from './tables/invite-attempts.ts';
export * from './tables/recordings.ts';
export * from './tables/idempotency.ts';
