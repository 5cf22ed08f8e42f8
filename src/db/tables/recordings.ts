import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { sessions } from './sessions.ts';

// Audio recordings of consenting participants, their hand-off and the object deletions still due
// (seed 000 §2.4 and §5.4, DESIGN 4.7). Object keys hold random ids only, never personal data.

/** One participant's own microphone over one continuous stretch of a session (DESIGN 4.7). */
export const recordings = pgTable(
  'recordings',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull().references(() => sessions.id),
    userId: text('user_id').notNull(),
    /** `recording` | `completing` | `complete` | `abandoned` | `aborted` | `withdrawn`. */
    status: text('status').notNull(),
    /** `audio/webm` | `audio/ogg` (Opus). */
    contentType: text('content_type').notNull(),
    /** `recordings/{sessionId}/{id}.{webm|ogg}`: the assembled file; its chunks live under `{objectKey}.parts/`. */
    objectKey: text('object_key').notNull(),
    startedAt: ts('started_at').notNull(),
    /** From the session's `startedAt` (seed 001 `startTime`), to line the files up. */
    startOffsetMs: integer('start_offset_ms').notNull(),
    /** Highest chunk number an upload URL was issued for. */
    lastPartNumber: integer('last_part_number').notNull().default(0),
    /** Start, or the last upload URL asked for: a recording quiet for the upload grace was interrupted. */
    lastActivityAt: ts('last_activity_at').notNull(),
    /** Set when the capture is known to be over without a completion (the user started another one): settle now. */
    interruptedAt: ts('interrupted_at'),
    /** While `completing`: until when the instance assembling it holds it (a crashed one's claim runs out). */
    claimedUntil: ts('claimed_until'),
    /** Duration the client reported at completion, ms (bounded by the time the recording was open). */
    durationMs: integer('duration_ms'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    partCount: integer('part_count'),
    /** When the capture ended (completion, or the last sign of it): retention counts from here. */
    endedAt: ts('ended_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('recordings_session_idx').on(t.sessionId),
    index('recordings_user_created_idx').on(t.userId, t.createdAt),
    index('recordings_open_idx').on(t.lastActivityAt).where(sql`status in ('recording', 'completing')`),
    index('recordings_ended_idx').on(t.endedAt),
  ],
);

/**
 * One row per session whose recordings were handed to the feedback service (`session.recorded`),
 * or found to have nothing to hand (`eventId` null): inserted in the transaction that writes the
 * event, so that completions racing on several instances emit it once.
 */
export const recordingHandoffs = pgTable('recording_handoffs', {
  sessionId: text('session_id').primaryKey().references(() => sessions.id),
  decidedAt: ts('decided_at').notNull(),
  /** The outbox event's id; null when no recording completed. */
  eventId: text('event_id'),
  recordingCount: integer('recording_count').notNull(),
});

/**
 * Object deletions still due (withdrawn consent, erased users, aborted or assembled recordings),
 * written in the transaction that decided them and carried out by the recordings sweep after the
 * commit. An entry is deleted again at `finalAt`, once every upload URL issued before it expired,
 * so that a chunk still in flight cannot outlive it.
 */
export const objectDeletions = pgTable(
  'object_deletions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** An object key, or with `isPrefix` every object under it. */
    key: text('key').notNull(),
    isPrefix: boolean('is_prefix').notNull(),
    dueAt: ts('due_at').notNull(),
    finalAt: ts('final_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('object_deletions_due_idx').on(t.dueAt)],
);
