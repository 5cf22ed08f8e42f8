import { Type, type Static } from 'typebox';

export const CefrLevelSchema = Type.Union([Type.Literal('A1'), Type.Literal('A2'), Type.Literal('B1'), Type.Literal('B2'), Type.Literal('C1'), Type.Literal('C2')], {
  description: 'CEFR level',
});
export const LanguageCodeSchema = Type.String({
  pattern: '^[a-z]{2,3}(-[A-Z]{2})?$',
  description: 'Target language, ISO 639 code such as "en" or "pt-BR"',
});

export const SlotSchema = Type.Object(
  {
    id: Type.String(),
    seriesId: Type.Union([Type.String(), Type.Null()]),
    targetLanguageCode: Type.String(),
    level: Type.String(),
    startTime: Type.String({ format: 'date-time' }),
    endTime: Type.String({ format: 'date-time' }),
    durationMinutes: Type.Integer(),
    maxParticipants: Type.Integer(),
    minParticipants: Type.Integer(),
    recurrence: Type.String(),
    timeZone: Type.String(),
    isActive: Type.Boolean(),
    registeredCount: Type.Integer(),
    seatsLeft: Type.Integer(),
    myRegistrationId: Type.Union([Type.String(), Type.Null()]),
    registrationClosesAt: Type.String({ format: 'date-time' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A time slot' },
);

export const CreateSlotBody = Type.Object(
  {
    targetLanguageCode: LanguageCodeSchema,
    level: CefrLevelSchema,
    startTime: Type.String({ format: 'date-time', description: 'First start, ISO 8601' }),
    durationMinutes: Type.Union([Type.Literal(15), Type.Literal(30), Type.Literal(45)]),
    maxParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 200, default: 8, description: 'Registration capacity' })),
    minParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 8, default: 2 })),
    recurrence: Type.Optional(Type.Union([Type.Literal('once'), Type.Literal('daily'), Type.Literal('weekly')], { default: 'once' })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone' })),
  },
  { additionalProperties: false },
);
export type CreateSlotBody = Static<typeof CreateSlotBody>;

export const ListSlotsQuery = Type.Object(
  {
    targetLanguageCode: Type.Optional(LanguageCodeSchema),
    level: Type.Optional(CefrLevelSchema),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);
export type ListSlotsQuery = Static<typeof ListSlotsQuery>;

export const SlotParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const PatchSlotBody = Type.Object(
  {
    isActive: Type.Boolean(),
    scope: Type.Optional(Type.Union([Type.Literal('slot'), Type.Literal('series')], { default: 'slot' })),
  },
  { additionalProperties: false },
);

export const SlotPage = Type.Object({ items: Type.Array(SlotSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });
