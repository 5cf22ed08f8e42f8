import { Type, type Static } from 'typebox';
import { Session } from '../../protocol/sessions.ts';
import type { OutboxEvent } from '../outbox/cloud-event.ts';
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

/** `participant.left` (seed 002 AC6): one member's participation closed, with its stats. */
export const ParticipantLeftData = Type.Object({
  sessionId: Type.String(),
  userId: Type.String(),
  reason: Type.Union([Type.Literal('left'), Type.Literal('disconnected')]),
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

/** Event types of this module, with their data schemas (the AsyncAPI document lists them). */
export const SESSION_EVENTS = {
  'session.started': SessionStartedData,
  'participant.left': ParticipantLeftData,
  'session.ended': SessionEndedData,
} as const;

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
