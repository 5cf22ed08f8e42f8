import { Type, type Static } from 'typebox';
import type { EventDefinition, OutboxEvent } from '../outbox/cloud-event.ts';
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

/** The event types of this module (the AsyncAPI document lists them). */
export const RECORDING_EVENTS: readonly EventDefinition[] = [
  {
    type: 'session.recorded',
    summary: 'Every recording of an ended session is complete or abandoned: the files to fetch (feedback-service, seed 000 §5.4, §6.2)',
    key: 'session id',
    keyField: 'sessionId',
    subjectField: 'sessionId',
    data: SessionRecordedData,
    example: {
      sessionId: '0b8f4c1e-6a0d-4f5e-9c3a-2d7b1e5f8a90',
      targetLanguageCode: 'fr',
      level: 'B1',
      startedAt: '2026-12-01T18:00:00.000Z',
      endedAt: '2026-12-01T18:30:00.000Z',
      recordings: [
        {
          recordingId: '4d0c2b7e-1f3a-4e5b-9c8d-7a6b5c4d3e2f',
          userId: 'u-ana',
          contentType: 'audio/webm',
          durationMs: 1_794_320,
          sizeBytes: 7_412_905,
          startOffsetMs: 4_210,
          key: 'recordings/0b8f4c1e-6a0d-4f5e-9c3a-2d7b1e5f8a90/4d0c2b7e-1f3a-4e5b-9c8d-7a6b5c4d3e2f.webm',
          url: 'https://r2.example.com/recordings/0b8f4c1e-6a0d-4f5e-9c3a-2d7b1e5f8a90/4d0c2b7e-1f3a-4e5b-9c8d-7a6b5c4d3e2f.webm?X-Amz-Signature=…',
          urlExpiresAt: '2026-12-02T18:40:00.000Z',
        },
      ],
    },
  },
];

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
