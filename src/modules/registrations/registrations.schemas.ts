import { Type } from 'typebox';

const RegistrationStatus = Type.Union([Type.Literal('registered'), Type.Literal('cancelled'), Type.Literal('attended'), Type.Literal('noshow')]);

export const RegistrationSchema = Type.Object(
  {
    id: Type.String(),
    timeSlotId: Type.String(),
    userId: Type.String(),
    status: RegistrationStatus,
    registeredAt: Type.String({ format: 'date-time' }),
    cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    sessionId: Type.Union([Type.String(), Type.Null()]),
    unmatchedReason: Type.Union([Type.String(), Type.Null()]),
    slot: Type.Object({
      startTime: Type.String({ format: 'date-time' }),
      endTime: Type.String({ format: 'date-time' }),
      durationMinutes: Type.Integer(),
      targetLanguageCode: Type.String(),
      level: Type.String(),
    }),
  },
  { description: 'A registration to a time slot' },
);

export const RegistrationPage = Type.Object({
  items: Type.Array(RegistrationSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const SlotIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const RegistrationIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const ListRegistrationsQuery = Type.Object(
  {
    status: Type.Optional(RegistrationStatus),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);
