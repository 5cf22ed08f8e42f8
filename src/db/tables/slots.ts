import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

// Time slots, their recurring series and registrations (seed 000 §4.1-4.2, seed 001).

/** A recurring slot rule (daily/weekly in an IANA time zone) that the generator job materialises. */
export const slotSeries = pgTable('slot_series', {
  id: text('id').primaryKey(),
  targetLanguageCode: text('target_language_code').notNull(),
  level: text('level').notNull(),
  /** Wall-clock start in `timeZone`, `HH:mm`. */
  localTime: text('local_time').notNull(),
  timeZone: text('time_zone').notNull(),
  recurrence: text('recurrence').notNull(),
  /** First occurrence (UTC instant); weekly series repeat on its weekday in `timeZone`. */
  firstStartTime: ts('first_start_time').notNull(),
  durationMinutes: integer('duration_minutes').notNull(),
  maxParticipants: integer('max_participants').notNull(),
  minParticipants: integer('min_participants').notNull(),
  isActive: boolean('is_active').notNull().default(true),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const timeSlots = pgTable(
  'time_slots',
  {
    id: text('id').primaryKey(),
    seriesId: text('series_id').references(() => slotSeries.id),
    targetLanguageCode: text('target_language_code').notNull(),
    level: text('level').notNull(),
    startTime: ts('start_time').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    maxParticipants: integer('max_participants').notNull(),
    minParticipants: integer('min_participants').notNull(),
    recurrence: text('recurrence').notNull().default('once'),
    timeZone: text('time_zone').notNull().default('UTC'),
    isActive: boolean('is_active').notNull().default(true),
    /** Set once matchmaking has processed the slot (idempotency marker). */
    matchedAt: ts('matched_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('time_slots_lang_level_start_idx').on(t.targetLanguageCode, t.level, t.startTime),
    index('time_slots_start_active_idx').on(t.startTime, t.isActive),
    uniqueIndex('time_slots_series_start_uq').on(t.seriesId, t.startTime),
  ],
);

export const registrations = pgTable(
  'registrations',
  {
    id: text('id').primaryKey(),
    timeSlotId: text('time_slot_id').notNull().references(() => timeSlots.id),
    userId: text('user_id').notNull(),
    displayName: text('display_name').notNull(),
    /** `registered` | `cancelled` | `attended` | `noshow` (seed 001). */
    status: text('status').notNull(),
    registeredAt: ts('registered_at').notNull(),
    /** Arrival order; breaks ties between registrations made in the same instant (first come, first matched). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    cancelledAt: ts('cancelled_at'),
    /** The session matchmaking placed this registration in. */
    sessionId: text('session_id'),
    /** Why matchmaking placed no session, e.g. `NOT_ENOUGH_PARTICIPANTS`. */
    unmatchedReason: text('unmatched_reason'),
    /** When `registration.reminder` was written (seed 000 §3.1: once, 5 minutes before the slot). */
    remindedAt: ts('reminded_at'),
  },
  // Stored at fillfactor 50 (migration 0005, not expressible here): matchmaking sets `session_id`
  // of every registration and the reminder sweep `reminded_at`, neither indexed, so with room on
  // the page the new row version stays on it (HOT) and no index is touched (issue 14).
  (t) => [
    index('registrations_slot_status_idx').on(t.timeSlotId, t.status),
    index('registrations_user_status_idx').on(t.userId, t.status),
    // Once per slot; a cancelled registration does not block registering again.
    uniqueIndex('registrations_slot_user_uq').on(t.timeSlotId, t.userId).where(sql`status <> 'cancelled'`),
  ],
);
