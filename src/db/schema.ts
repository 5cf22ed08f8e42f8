import { sql } from 'drizzle-orm';
import { bigserial, boolean, customType, index, integer, jsonb, pgTable, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Database schema, shared by PGlite and the PostgreSQL server. Fields follow seed 001; its MongoDB
 * indexes become the SQL indexes below (DESIGN 2). Times are `timestamptz` (UTC).
 */

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** PostgreSQL's 64-bit transaction id (`xid8`), read and written as its decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

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
  },
  (t) => [
    index('registrations_slot_status_idx').on(t.timeSlotId, t.status),
    index('registrations_user_status_idx').on(t.userId, t.status),
    // Once per slot; a cancelled registration does not block registering again.
    uniqueIndex('registrations_slot_user_uq').on(t.timeSlotId, t.userId).where(sql`status <> 'cancelled'`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    /** `public` (from a slot) | `private` (invite code). */
    type: text('type').notNull(),
    timeSlotId: text('time_slot_id').references(() => timeSlots.id),
    targetLanguageCode: text('target_language_code').notNull(),
    level: text('level'),
    /** `waiting` | `active` | `ended` (seed 001). */
    status: text('status').notNull(),
    /** `completed` | `timeout` | `host_ended` | `all_left` | `cancelled` (DESIGN 2). */
    endReason: text('end_reason'),
    hostUserId: text('host_user_id'),
    maxParticipants: integer('max_participants').notNull(),
    inviteCode: text('invite_code'),
    topicId: text('topic_id'),
    topicTitle: text('topic_title'),
    /** Planned start and end (slot sessions); null for private sessions until started. */
    scheduledStartAt: ts('scheduled_start_at'),
    scheduledEndAt: ts('scheduled_end_at'),
    startedAt: ts('started_at'),
    endedAt: ts('ended_at'),
    recordingEnabled: boolean('recording_enabled').notNull().default(false),
    /** Last time someone connected or went away; orphan cleanup counts from it (seed 000 §7.2). */
    lastPresenceAt: ts('last_presence_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('sessions_slot_idx').on(t.timeSlotId),
    index('sessions_status_lang_idx').on(t.status, t.targetLanguageCode),
    index('sessions_created_idx').on(t.createdAt),
    uniqueIndex('sessions_invite_code_live_uq').on(t.inviteCode).where(sql`status <> 'ended' and invite_code is not null`),
  ],
);

export const participants = pgTable(
  'participants',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull().references(() => sessions.id),
    userId: text('user_id').notNull(),
    displayName: text('display_name').notNull(),
    registrationId: text('registration_id'),
    /** `host` | `participant`. */
    role: text('role').notNull(),
    /** `waiting` (never connected) | `connected` | `disconnected` (seed 002 AC4). */
    status: text('status').notNull(),
    cameraEnabled: boolean('camera_enabled').notNull().default(true),
    micEnabled: boolean('mic_enabled').notNull().default(true),
    recordingConsent: boolean('recording_consent').notNull().default(false),
    /** First time the participant connected to the call. */
    joinedAt: ts('joined_at'),
    /** When the participant left or its drop became final. */
    leftAt: ts('left_at'),
    /** `left` (on purpose) | `disconnected` (drop not recovered) | `session_ended`. */
    leftReason: text('left_reason'),
    /** Last connection or drop; orphan cleanup counts from the latest of a session's (seed 000 §7.2). */
    lastPresenceAt: ts('last_presence_at'),
    /** Start of the current connected stretch, for presence accounting. */
    connectedSince: ts('connected_since'),
    presenceSeconds: integer('presence_seconds').notNull().default(0),
    /** Speaking time reported over signaling, bounded by presence (seed 002 AC4). */
    speakingTimeMs: integer('speaking_time_ms').notNull().default(0),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    index('participants_session_idx').on(t.sessionId),
    index('participants_user_status_idx').on(t.userId, t.status),
    index('participants_user_created_idx').on(t.userId, t.createdAt),
    uniqueIndex('participants_session_user_uq').on(t.sessionId, t.userId),
  ],
);

/** One rating per participant of an ended session (seed 000 §3.4). */
export const sessionRatings = pgTable(
  'session_ratings',
  {
    sessionId: text('session_id').notNull().references(() => sessions.id),
    userId: text('user_id').notNull(),
    rating: smallint('rating').notNull(),
    comment: text('comment'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('session_ratings_session_user_uq').on(t.sessionId, t.userId)],
);

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
