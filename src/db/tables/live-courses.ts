import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

// Live courses on Jitsi Meet (seed 004, DESIGN 4.9): the minimal course data this service keeps
// (the platform's course service owns courses), live sessions, attendance, chat and reminders.

/** A course as far as live sessions need it; maintained by admins (`PUT /api/courses/{id}`). */
export const courses = pgTable(
  'courses',
  {
    /** The course service's id (opaque, up to 64 characters). */
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    slug: text('slug').notNull(),
    /** IANA time zone of the course's schedule (weekly series keep their wall-clock time in it). */
    timeZone: text('time_zone').notNull(),
    /** Numbers handed to the course's sessions so far (`session-{n}` of room names). */
    sessionCount: integer('session_count').notNull().default(0),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [uniqueIndex('courses_slug_uq').on(t.slug)],
);

/** Who runs a course: `instructor` (manages sessions, Jitsi moderator) or `moderator` (Jitsi moderator). */
export const courseStaff = pgTable(
  'course_staff',
  {
    courseId: text('course_id').notNull().references(() => courses.id),
    userId: text('user_id').notNull(),
    role: text('role').notNull(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId, t.role] }), index('course_staff_user_idx').on(t.userId)],
);

/** Students enrolled in a course (`PUT|DELETE /api/courses/{id}/enrolments/{userId}`). */
export const courseEnrolments = pgTable(
  'course_enrolments',
  {
    courseId: text('course_id').notNull().references(() => courses.id),
    userId: text('user_id').notNull(),
    enrolledAt: ts('enrolled_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId] }), index('course_enrolments_user_idx').on(t.userId)],
);

/** A live session of a course (seed 004 §1-§7, "États d'une Session"). */
export const liveSessions = pgTable(
  'live_sessions',
  {
    id: text('id').primaryKey(),
    courseId: text('course_id').notNull().references(() => courses.id),
    /** 1, 2, ... within the course. */
    number: integer('number').notNull(),
    /** The weekly series it was created with, if any. */
    seriesId: text('series_id'),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    startAt: ts('start_at').notNull(),
    endAt: ts('end_at').notNull(),
    maxParticipants: integer('max_participants').notNull(),
    recordingEnabled: boolean('recording_enabled').notNull().default(false),
    /** Students may share their screen (seed 004 §4: "si autorisé"); instructors always may. */
    studentScreenShare: boolean('student_screen_share').notNull().default(false),
    /** `scheduled` | `live` | `ended` | `cancelled`. */
    status: text('status').notNull(),
    cancelReason: text('cancel_reason'),
    jitsiRoomName: text('jitsi_room_name').notNull(),
    jitsiRoomPassword: text('jitsi_room_password'),
    actualStartAt: ts('actual_start_at'),
    actualEndAt: ts('actual_end_at'),
    recordingUrl: text('recording_url'),
    /** RFC 5545 SEQUENCE: bumped on every change a calendar shows. */
    sequence: integer('sequence').notNull().default(0),
    /** Chat changes so far (the `id` of the chat stream's events, per session). */
    chatSeq: bigint('chat_seq', { mode: 'number' }).notNull().default(0),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('live_sessions_room_uq').on(t.jitsiRoomName),
    uniqueIndex('live_sessions_course_number_uq').on(t.courseId, t.number),
    index('live_sessions_course_start_idx').on(t.courseId, t.startAt),
    index('live_sessions_live_end_idx').on(t.endAt).where(sql`status = 'live'`),
  ],
);

/**
 * One person's attendance of a live session (seed 004 §5): present through the join page
 * (`pagePresent`, kept alive by heartbeats) and/or in the Jitsi room as its webhook reports
 * (`jitsiPresent`); present while either is. Presence intervals are in `live_session_intervals`.
 */
export const liveSessionParticipants = pgTable(
  'live_session_participants',
  {
    id: text('id').primaryKey(),
    liveSessionId: text('live_session_id').notNull().references(() => liveSessions.id),
    userId: text('user_id').notNull(),
    displayName: text('display_name').notNull(),
    /** `instructor` | `moderator` | `student`. */
    role: text('role').notNull(),
    firstJoinedAt: ts('first_joined_at').notNull(),
    pagePresent: boolean('page_present').notNull().default(false),
    jitsiPresent: boolean('jitsi_present').notNull().default(false),
    /** Last join or heartbeat of the page. */
    lastSeenAt: ts('last_seen_at'),
  },
  (t) => [uniqueIndex('live_participants_session_user_uq').on(t.liveSessionId, t.userId), index('live_participants_user_idx').on(t.userId)],
);

/** A stretch of presence: opened when a participant becomes present, closed when no source remains. */
export const liveSessionIntervals = pgTable(
  'live_session_intervals',
  {
    id: text('id').primaryKey(),
    participantId: text('participant_id').notNull().references(() => liveSessionParticipants.id),
    joinedAt: ts('joined_at').notNull(),
    leftAt: ts('left_at'),
  },
  (t) => [
    index('live_intervals_participant_idx').on(t.participantId),
    // At most one open interval per participant.
    uniqueIndex('live_intervals_open_uq').on(t.participantId).where(sql`left_at is null`),
  ],
);

/** Q&A chat of a live session (seed 004 §5 "Chat", `live_session_chat`). */
export const liveSessionChat = pgTable(
  'live_session_chat',
  {
    id: text('id').primaryKey(),
    liveSessionId: text('live_session_id').notNull().references(() => liveSessions.id),
    /** The session's `chatSeq` of this message's last change (stream event id). */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    userId: text('user_id').notNull(),
    displayName: text('display_name').notNull(),
    /** `text` | `question` | `answer`. */
    type: text('type').notNull(),
    text: text('text').notNull(),
    /** The question an answer refers to (same session). */
    replyTo: text('reply_to'),
    answered: boolean('answered').notNull().default(false),
    deletedAt: ts('deleted_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('live_chat_session_seq_uq').on(t.liveSessionId, t.seq),
    index('live_chat_session_user_created_idx').on(t.liveSessionId, t.userId, t.createdAt),
    index('live_chat_user_idx').on(t.userId),
  ],
);

/** `live_session.reminder` due times (seed 004 §2: 24 h and 1 h before); `sentAt` once handled. */
export const liveSessionReminders = pgTable(
  'live_session_reminders',
  {
    liveSessionId: text('live_session_id').notNull().references(() => liveSessions.id),
    /** `first` (24 h) | `last` (1 h). */
    kind: text('kind').notNull(),
    dueAt: ts('due_at').notNull(),
    sentAt: ts('sent_at'),
    /** True when it was due too late to mean anything (a later reminder, or the start, came first). */
    skipped: boolean('skipped').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.liveSessionId, t.kind] }), index('live_reminders_due_idx').on(t.dueAt).where(sql`sent_at is null`)],
);

/** Webhook deliveries already applied (JaaS `idempotencyKey`, or a digest of an event_sync body). */
export const liveWebhookDeliveries = pgTable('live_webhook_deliveries', {
  key: text('key').primaryKey(),
  receivedAt: ts('received_at').notNull(),
});
