import { Type, type Static } from 'typebox';
import { Session } from '../../protocol/sessions.ts';
import type { EventDefinition, OutboxEvent } from '../outbox/cloud-event.ts';
import type { ParticipantRow, SessionRow } from './sessions.repository.ts';

/**
 * The events the sessions module publishes (DESIGN 4.4, 4.8; seed 000 §6.2, seed 002 AC6-AC7),
 * with the JSON Schema of each `data` and a typed builder. Key and subject: the session id, so
 * that a session's events stay in order.
 */

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

/** Fields every session event carries: the session's id and its descriptive fields, as in the REST resource. */
const SessionFields = {
  sessionId: Type.String(),
  ...Type.Pick(Session, ['type', 'timeSlotId', 'targetLanguageCode', 'level', 'topicId', 'topicTitle']).properties,
};

/** `session.started` (gamification): who was a member when the session became active. */
export const SessionStartedData = Type.Object({
  ...SessionFields,
  hostUserId: Type.Union([Type.String(), Type.Null()]),
  startedAt: Time,
  participants: Type.Array(Type.Object({ userId: Type.String(), role: Type.String() })),
});
export type SessionStartedData = Static<typeof SessionStartedData>;

/**
 * `participant.left` (seed 002 AC6): one member's participation closed, with its stats; also for
 * a member who joined by code and left without ever connecting (`connected: false`, presence 0).
 */
export const ParticipantLeftData = Type.Object({
  sessionId: Type.String(),
  userId: Type.String(),
  reason: Type.Union([Type.Literal('left'), Type.Literal('disconnected')]),
  /** Whether the member ever connected to the call. */
  connected: Type.Boolean(),
  joinedAt: NullableTime,
  leftAt: Time,
  presenceSeconds: Type.Integer({ minimum: 0 }),
  speakingTimeSeconds: Type.Integer({ minimum: 0 }),
});
export type ParticipantLeftData = Static<typeof ParticipantLeftData>;

/** `session.ended` (seed 002 AC7): every participant and their stats. */
export const SessionEndedData = Type.Object({
  ...SessionFields,
  reason: Type.String(),
  startedAt: NullableTime,
  endedAt: Time,
  durationSeconds: Type.Integer({ minimum: 0 }),
  recordingEnabled: Type.Boolean(),
  participants: Type.Array(
    Type.Object({
      userId: Type.String(),
      role: Type.String(),
      joinedAt: NullableTime,
      leftAt: NullableTime,
      presenceSeconds: Type.Integer({ minimum: 0 }),
      speakingTimeSeconds: Type.Integer({ minimum: 0 }),
      recordingConsent: Type.Boolean(),
    }),
  ),
});
export type SessionEndedData = Static<typeof SessionEndedData>;

const EXAMPLE_SESSION = {
  sessionId: '0b8f4c1e-6a0d-4f5e-9c3a-2d7b1e5f8a90',
  type: 'public' as const,
  timeSlotId: '5c2a9e7d-1b3f-4c8a-a6d4-9e0f2b7c1d35',
  targetLanguageCode: 'fr',
  level: 'B1',
  topicId: null,
  topicTitle: null,
};

/** The event types of this module (the AsyncAPI document lists them). */
export const SESSION_EVENTS: readonly EventDefinition[] = [
  {
    type: 'session.started',
    summary: 'A session became active (gamification-service, seed 000 §6.2)',
    key: 'session id',
    keyField: 'sessionId',
    subjectField: 'sessionId',
    data: SessionStartedData,
    example: {
      ...EXAMPLE_SESSION,
      hostUserId: 'u-ana',
      startedAt: '2026-12-01T18:00:00.000Z',
      participants: [
        { userId: 'u-ana', role: 'host' },
        { userId: 'u-ben', role: 'participant' },
      ],
    },
  },
  {
    type: 'participant.left',
    summary: 'A member left a session or its reconnect window passed (seed 002 AC6)',
    key: 'session id',
    keyField: 'sessionId',
    subjectField: 'sessionId',
    data: ParticipantLeftData,
    example: {
      sessionId: EXAMPLE_SESSION.sessionId,
      userId: 'u-ben',
      reason: 'left',
      connected: true,
      joinedAt: '2026-12-01T17:56:10.000Z',
      leftAt: '2026-12-01T18:21:42.000Z',
      presenceSeconds: 1532,
      speakingTimeSeconds: 410,
    },
  },
  {
    type: 'session.ended',
    summary: 'A session ended, with every participant and their stats (gamification-service, seed 002 AC7)',
    key: 'session id',
    keyField: 'sessionId',
    subjectField: 'sessionId',
    data: SessionEndedData,
    example: {
      ...EXAMPLE_SESSION,
      reason: 'completed',
      startedAt: '2026-12-01T18:00:00.000Z',
      endedAt: '2026-12-01T18:30:00.000Z',
      durationSeconds: 1800,
      recordingEnabled: true,
      participants: [
        { userId: 'u-ana', role: 'host', joinedAt: '2026-12-01T17:57:02.000Z', leftAt: '2026-12-01T18:30:00.000Z', presenceSeconds: 1978, speakingTimeSeconds: 655, recordingConsent: true },
        { userId: 'u-ben', role: 'participant', joinedAt: '2026-12-01T17:56:10.000Z', leftAt: '2026-12-01T18:21:42.000Z', presenceSeconds: 1532, speakingTimeSeconds: 410, recordingConsent: false },
      ],
    },
  },
];

function sessionFields(session: SessionRow) {
  return {
    sessionId: session.id,
    type: session.type as 'public' | 'private',
    timeSlotId: session.timeSlotId,
    targetLanguageCode: session.targetLanguageCode,
    level: session.level,
    topicId: session.topicId,
    topicTitle: session.topicTitle,
  };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** `session.started` at `startedAt` with the members who have not left. */
export function sessionStarted(session: SessionRow, members: ParticipantRow[], startedAt: Date): OutboxEvent<SessionStartedData> {
  return {
    type: 'session.started',
    subject: session.id,
    key: session.id,
    time: startedAt,
    data: {
      ...sessionFields(session),
      hostUserId: session.hostUserId,
      startedAt: startedAt.toISOString(),
      participants: members.filter((m) => m.leftAt === null).map((m) => ({ userId: m.userId, role: m.role })),
    },
  };
}

/** `participant.left` for a participation closed at `leftAt` with its final presence and speaking (ms). */
export function participantLeft(
  sessionId: string,
  p: Pick<ParticipantRow, 'userId' | 'joinedAt'>,
  closed: { reason: 'left' | 'disconnected'; leftAt: Date; presenceSeconds: number; speakingTimeMs: number },
): OutboxEvent<ParticipantLeftData> {
  return {
    type: 'participant.left',
    subject: sessionId,
    key: sessionId,
    time: closed.leftAt,
    data: {
      sessionId,
      userId: p.userId,
      reason: closed.reason,
      connected: p.joinedAt !== null,
      joinedAt: iso(p.joinedAt),
      leftAt: closed.leftAt.toISOString(),
      presenceSeconds: closed.presenceSeconds,
      speakingTimeSeconds: Math.floor(closed.speakingTimeMs / 1000),
    },
  };
}

/** `session.ended` at `now` with every member (participations already closed). */
export function sessionEnded(session: SessionRow, members: ParticipantRow[], reason: string, now: Date): OutboxEvent<SessionEndedData> {
  return {
    type: 'session.ended',
    subject: session.id,
    key: session.id,
    time: now,
    data: {
      ...sessionFields(session),
      reason,
      startedAt: iso(session.startedAt),
      endedAt: now.toISOString(),
      durationSeconds: session.startedAt ? Math.max(0, Math.round((now.getTime() - session.startedAt.getTime()) / 1000)) : 0,
      recordingEnabled: session.recordingEnabled,
      participants: members.map((m) => ({
        userId: m.userId,
        role: m.role,
        joinedAt: iso(m.joinedAt),
        leftAt: iso(m.leftAt),
        presenceSeconds: m.presenceSeconds,
        speakingTimeSeconds: Math.floor(m.speakingTimeMs / 1000),
        recordingConsent: m.recordingConsent,
      })),
    },
  };
}
