import { Type } from 'typebox';

const EndReasonSchema = Type.Union([
  Type.Literal('completed'),
  Type.Literal('timeout'),
  Type.Literal('host_ended'),
  Type.Literal('all_left'),
  Type.Literal('cancelled'),
  Type.Null(),
]);
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
    topicId: Type.Union([Type.String(), Type.Null()]),
    topicTitle: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('ended')]),
    endReason: EndReasonSchema,
    hostUserId: Type.Union([Type.String(), Type.Null()]),
    maxParticipants: Type.Integer(),
    inviteCode: Type.Union([Type.String(), Type.Null()]),
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

const LanguageCode = Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$', description: 'Target language, ISO 639 code' });
const Level = Type.Union([Type.Literal('A1'), Type.Literal('A2'), Type.Literal('B1'), Type.Literal('B2'), Type.Literal('C1'), Type.Literal('C2')]);

export const CreateSessionBody = Type.Object(
  {
    type: Type.Literal('private', { description: 'Public sessions come from time slots (matchmaking)' }),
    targetLanguageCode: LanguageCode,
    level: Type.Optional(Level),
    topicId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    topicTitle: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    maxParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 6, default: 4 })),
    recordingConsent: Type.Optional(Type.Boolean({ description: 'Record my own audio for AI feedback' })),
  },
  { additionalProperties: false },
);

export const JoinSessionBody = Type.Object(
  {
    inviteCode: Type.String({ minLength: 1, maxLength: 20, description: '6-character invite code' }),
    recordingConsent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ConsentBody = Type.Object({ recordingConsent: Type.Boolean() }, { additionalProperties: false });

export const RatingBody = Type.Object(
  { rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
export const RatingSchema = Type.Object({
  rating: Type.Integer(),
  comment: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const ParticipantPage = Type.Object({ items: Type.Array(ParticipantSchema) });

export const HistoryQuery = Type.Object(
  { cursor: Type.Optional(Type.String({ maxLength: 300 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
  { additionalProperties: false },
);
export const HistoryPage = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.Union([Type.Literal('public'), Type.Literal('private')]),
      targetLanguageCode: Type.String(),
      level: Type.Union([Type.String(), Type.Null()]),
      topicTitle: Type.Union([Type.String(), Type.Null()]),
      participantCount: Type.Integer(),
      durationSeconds: Type.Integer(),
      status: Type.Literal('ended'),
      endReason: EndReasonSchema,
      startedAt: nullableTime,
      endedAt: nullableTime,
      myPresenceSeconds: Type.Integer(),
      mySpeakingTimeSeconds: Type.Integer(),
      myRating: Type.Union([Type.Object({ rating: Type.Integer(), comment: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
