import { Type, type Static } from 'typebox';
import type { OutboxEvent } from '../outbox/cloud-event.ts';
import type { RecordedSessionView } from '../sessions/sessions.service.ts';

/**
 * The event the recordings module publishes (seed 000 §5.4 steps 3-4 and §6.2, DESIGN 4.4 and
 * 4.7): `session.recorded`, once per session, for the feedback service, when the session has ended
 * and each of its recordings is complete or abandoned. Key and subject: the session id, so it
 * follows the session's other events.
 */

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

/** One participant's file in `session.recorded`. */
export const RecordedFile = Type.Object({
  recordingId: Type.String(),
  userId: Type.String(),
  contentType: Type.String(),
  durationMs: Type.Integer({ minimum: 0 }),
  sizeBytes: Type.Integer({ minimum: 0 }),
  /** From the session's `startedAt` (seed 001 `startTime`), to line the files up. */
  startOffsetMs: Type.Integer({ minimum: 0 }),
  /** `recordings/{sessionId}/{recordingId}.{webm|ogg}` in the bucket. */
  key: Type.String(),
  /** A download URL valid at least `RECORDING_HANDOFF_URL_TTL` after the event was written. */
  url: Type.String(),
  urlExpiresAt: Time,
});
export type RecordedFile = Static<typeof RecordedFile>;

/** `session.recorded` (DESIGN 4.7). */
export const SessionRecordedData = Type.Object({
  sessionId: Type.String(),
  targetLanguageCode: Type.String(),
  level: Type.Union([Type.String(), Type.Null()]),
  startedAt: NullableTime,
  endedAt: NullableTime,
  recordings: Type.Array(RecordedFile, { minItems: 1 }),
});
export type SessionRecordedData = Static<typeof SessionRecordedData>;

/** Event types of this module, with their data schemas (the AsyncAPI document lists them). */
export const RECORDING_EVENTS = { 'session.recorded': SessionRecordedData } as const;

/** `session.recorded` at `now` for an ended session and its complete recordings (at least one). */
export function sessionRecorded(session: RecordedSessionView, files: RecordedFile[], now: Date): OutboxEvent<SessionRecordedData> {
  return {
    type: 'session.recorded',
    subject: session.id,
    key: session.id,
    time: now,
    data: {
      sessionId: session.id,
      targetLanguageCode: session.targetLanguageCode,
      level: session.level,
      startedAt: session.startedAt?.toISOString() ?? null,
      endedAt: session.endedAt?.toISOString() ?? null,
      recordings: files,
    },
  };
}
