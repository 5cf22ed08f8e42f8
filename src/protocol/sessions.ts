/** Conversation sessions (seed 000 §5.3, seed 002): the resource, private sessions, history and rating. */

import { Type, type Static } from 'typebox';
import { CefrLevel, CursorParam, DateTime, LanguageCode, LimitParam, NullableDateTime, PageOf } from './common.ts';

/** Why a session ended (DESIGN 2), `null` while it has not. */
export const NullableEndReason = Type.Union([
  Type.Literal('completed'),
  Type.Literal('timeout'),
  Type.Literal('host_ended'),
  Type.Literal('all_left'),
  Type.Literal('cancelled'),
  Type.Null(),
]);
export type EndReason = NonNullable<Static<typeof NullableEndReason>>;

/** `waiting` (before the start, the waiting room), `active`, `ended`. */
export const SessionStatus = Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('ended')]);
export type SessionStatus = Static<typeof SessionStatus>;

/** A member of a session as clients see it (seed 002 AC4). Times are ISO 8601 UTC. */
export const SessionParticipant = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('host'), Type.Literal('participant')]),
  /** `waiting` (never connected), `connected`, `disconnected`. */
  status: Type.Union([Type.Literal('waiting'), Type.Literal('connected'), Type.Literal('disconnected')]),
  micEnabled: Type.Boolean(),
  cameraEnabled: Type.Boolean(),
  /** Agreed to have their own audio recorded (seed 000 §5.4). */
  recordingConsent: Type.Boolean(),
  joinedAt: NullableDateTime,
  leftAt: NullableDateTime,
  /** Seconds connected so far. */
  presenceSeconds: Type.Integer(),
  /** Seconds of voice activity, never beyond presence. */
  speakingTimeSeconds: Type.Integer(),
});
export type SessionParticipant = Static<typeof SessionParticipant>;

/** A session as clients see it. Times are ISO 8601 UTC. */
export const Session = Type.Object(
  {
    id: Type.String(),
    type: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    /** The slot a public session was matched from; `null` for private sessions. */
    timeSlotId: Type.Union([Type.String(), Type.Null()]),
    targetLanguageCode: Type.String(),
    level: Type.Union([Type.String(), Type.Null()]),
    topicId: Type.Union([Type.String(), Type.Null()]),
    topicTitle: Type.Union([Type.String(), Type.Null()]),
    status: SessionStatus,
    endReason: NullableEndReason,
    hostUserId: Type.Union([Type.String(), Type.Null()]),
    maxParticipants: Type.Integer(),
    /** The 6-character code of a private session, shown to its members while it is live; `null` otherwise. */
    inviteCode: Type.Union([Type.String(), Type.Null()]),
    scheduledStartAt: NullableDateTime,
    scheduledEndAt: NullableDateTime,
    startedAt: NullableDateTime,
    endedAt: NullableDateTime,
    /** When the session ends by itself (slot end, or private timeout once started), or `null`. */
    endsAt: NullableDateTime,
    /** True while at least one member who has not left consents to recording (seed 000 §5.4). */
    recordingEnabled: Type.Boolean(),
    /** Members whose own audio is being recorded right now (DESIGN 4.7); never URLs. Empty once ended. */
    recordingParticipants: Type.Array(Type.String()),
    participants: Type.Array(SessionParticipant),
  },
  { description: 'A conversation session' },
);
export type Session = Static<typeof Session>;

/** `POST /api/sessions` body: a private session (seed 002 AC2); the caller becomes its host. */
export const CreateSessionBody = Type.Object(
  {
    type: Type.Literal('private', { description: 'Public sessions come from time slots (matchmaking)' }),
    targetLanguageCode: LanguageCode,
    level: Type.Optional(CefrLevel),
    topicId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    topicTitle: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    maxParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 6, default: 4 })),
    recordingConsent: Type.Optional(Type.Boolean({ description: 'Record my own audio for AI feedback' })),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

/** `POST /api/sessions/join` body. */
export const JoinSessionBody = Type.Object(
  {
    inviteCode: Type.String({ minLength: 1, maxLength: 20, description: '6-character invite code' }),
    recordingConsent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type JoinSessionBody = Static<typeof JoinSessionBody>;

/**
 * `POST /api/sessions/{id}/consent` body: chosen before joining, and changeable during the call
 * (withdrawing stops the recording and deletes what was uploaded of this session; DESIGN 4.7).
 */
export const ConsentBody = Type.Object({ recordingConsent: Type.Boolean() }, { additionalProperties: false });
export type ConsentBody = Static<typeof ConsentBody>;

/** `POST /api/sessions/{id}/rating` body: 1 to 5, once per member, after the end. */
export const RatingBody = Type.Object(
  { rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export type RatingBody = Static<typeof RatingBody>;

/** A rating as stored (`POST /api/sessions/{id}/rating` answer). */
export const Rating = Type.Object({
  rating: Type.Integer(),
  comment: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
});
export type Rating = Static<typeof Rating>;

/** `GET /api/sessions/{id}/participants` answer (every member, no paging). */
export const ParticipantPage = Type.Object({ items: Type.Array(SessionParticipant) });
export type ParticipantPage = Static<typeof ParticipantPage>;

/** `GET /api/sessions/history` query. */
export const HistoryQuery = Type.Object({ cursor: CursorParam, limit: LimitParam }, { additionalProperties: false });
export type HistoryQuery = Static<typeof HistoryQuery>;

/** One ended session of `GET /api/sessions/history` (seed 002 AC8, seed 000 §3.4), with my own figures. */
export const HistoryItem = Type.Object({
  id: Type.String(),
  type: Type.Union([Type.Literal('public'), Type.Literal('private')]),
  targetLanguageCode: Type.String(),
  level: Type.Union([Type.String(), Type.Null()]),
  topicTitle: Type.Union([Type.String(), Type.Null()]),
  participantCount: Type.Integer(),
  /** Seconds from start to end (0 when it never started). */
  durationSeconds: Type.Integer(),
  status: Type.Literal('ended'),
  endReason: NullableEndReason,
  startedAt: NullableDateTime,
  endedAt: NullableDateTime,
  myPresenceSeconds: Type.Integer(),
  mySpeakingTimeSeconds: Type.Integer(),
  myRating: Type.Union([Type.Object({ rating: Type.Integer(), comment: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
});
export type HistoryItem = Static<typeof HistoryItem>;

/** `GET /api/sessions/history` answer (newest first). */
export const HistoryPage = PageOf(HistoryItem);
