import { pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

/**
 * Each user's secret iCal feed (seed 004 "Synchronisation Calendrier"): `GET /calendar/{secret}.ics`.
 * The secret is kept as it is: the feed page shows the URL again (as Google Calendar and Outlook
 * do), and it only reads data this database already holds. Rotating replaces it.
 */
export const calendarFeeds = pgTable('calendar_feeds', {
  userId: text('user_id').primaryKey(),
  secret: text('secret').notNull().unique('calendar_feeds_secret_uq'),
  createdAt: ts('created_at').notNull(),
});
