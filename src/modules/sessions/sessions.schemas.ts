import { Type } from 'typebox';

const nullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const ParticipantSchema = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('host'), Type.Literal('participant')]),
  status: Type.Union([Type.Literal('waiting'), Type.Literal('connected'), Type.Literal('disconnected')]),
  micEnabled: Type.Boolean(),
  cameraEnabled: Type.Boolean(),
  recordingConsent: Type.Boolean(),
  joinedAt: nullableTime,
  leftAt: nullableTime,
  presenceSeconds: Type.Integer(),
  speakingTimeSeconds: Type.Integer(),
});

export const SessionSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    timeSlotId: Type.Union([Type.String(), Type.Null()]),
    targetLanguageCode: Type.String(),
    level: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('ended')]),
    endReason: Type.Union([Type.Literal('completed'), Type.Literal('timeout'), Type.Literal('host_ended'), Type.Literal('all_left'), Type.Literal('cancelled'), Type.Null()]),
    hostUserId: Type.Union([Type.String(), Type.Null()]),
    maxParticipants: Type.Integer(),
    scheduledStartAt: nullableTime,
    scheduledEndAt: nullableTime,
    startedAt: nullableTime,
    endedAt: nullableTime,
    endsAt: nullableTime,
    recordingEnabled: Type.Boolean(),
    participants: Type.Array(ParticipantSchema),
  },
  { description: 'A conversation session' },
);

export const SessionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
