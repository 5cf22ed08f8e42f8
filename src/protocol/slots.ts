/** Time slots (seed 000 §2.1, seed 001): the resource, its creation, listing and deactivation. */

import { Type, type Static } from 'typebox';
import { CefrLevel, CursorParam, DateTime, LanguageCode, LimitParam, PageOf } from './common.ts';

/** How a slot repeats, in its time zone. */
export const Recurrence = Type.Union([Type.Literal('once'), Type.Literal('daily'), Type.Literal('weekly')]);
export type Recurrence = Static<typeof Recurrence>;

/** A time slot as clients see it. Times are ISO 8601 UTC. */
export const Slot = Type.Object(
  {
    id: Type.String(),
    /** The recurring series this occurrence belongs to; `null` for a one-off slot. */
    seriesId: Type.Union([Type.String(), Type.Null()]),
    targetLanguageCode: Type.String(),
    level: Type.String(),
    startTime: DateTime,
    endTime: DateTime,
    durationMinutes: Type.Integer(),
    /** Registration capacity; above 8 matchmaking makes several sessions. */
    maxParticipants: Type.Integer(),
    minParticipants: Type.Integer(),
    recurrence: Type.String(),
    /** IANA zone whose wall-clock time recurring slots keep. */
    timeZone: Type.String(),
    isActive: Type.Boolean(),
    registeredCount: Type.Integer(),
    seatsLeft: Type.Integer(),
    /** The caller's active registration, or `null`. */
    myRegistrationId: Type.Union([Type.String(), Type.Null()]),
    /** `startTime - RULES_REGISTRATION_CUTOFF`: matchmaking runs then. */
    registrationClosesAt: DateTime,
    createdAt: DateTime,
  },
  { description: 'A time slot' },
);
export type Slot = Static<typeof Slot>;

/** `POST /api/slots` body (admin). */
export const CreateSlotBody = Type.Object(
  {
    targetLanguageCode: LanguageCode,
    level: CefrLevel,
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

/** `GET /api/slots` query: filters (`from`/`to` bound the start time) and paging. */
export const ListSlotsQuery = Type.Object(
  {
    targetLanguageCode: Type.Optional(LanguageCode),
    level: Type.Optional(CefrLevel),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    cursor: CursorParam,
    limit: LimitParam,
  },
  { additionalProperties: false },
);
export type ListSlotsQuery = Static<typeof ListSlotsQuery>;

/** `PATCH /api/slots/{id}` body (admin): (de)activate this slot, or its series from this slot on. */
export const PatchSlotBody = Type.Object(
  {
    isActive: Type.Boolean(),
    scope: Type.Optional(Type.Union([Type.Literal('slot'), Type.Literal('series')], { default: 'slot' })),
  },
  { additionalProperties: false },
);
export type PatchSlotBody = Static<typeof PatchSlotBody>;

/** `GET /api/slots` answer. */
export const SlotPage = PageOf(Slot);
