import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { timeSlots } from './slots.ts';

// Sessions, participants and ratings (seed 000 §4.3-4.4, seed 001, seed 002).

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
    /**
     * Not a declared foreign key (migration 0007): its check ran one query per inserted row, 0.8 s
     * of matchmaking's 100,000 participants on PGlite (issue 14). Every insert comes from the
     * sessions module, in the transaction that created or locked the session, and sessions are
     * never deleted; `test/matchmaking.test.ts` checks that no participant is left without one.
     */
    sessionId: text('session_id').notNull(),
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
    /** Their own audio is being recorded right now (set by the recordings module, DESIGN 4.7 `recordingParticipants`). */
    recording: boolean('recording').notNull().default(false),
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
    // No separate index on session_id: the unique (session_id, user_id) index serves lookups by
    // session, and one index fewer makes matchmaking's bulk insert cheaper (issue 14). Lookups by
    // user go through (user_id, created_at); no query filters a user's rows by status, and with
    // status out of every index a join's status change can be a heap-only (HOT) update.
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
