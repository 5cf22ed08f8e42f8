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

/**
 * `PATCH /api/slots/{id}` body (admin, seed 000 §4.1, §5.1): edits a slot while its registration
 * is open, and/or (de)activates it. `scope: 'series'` applies the change to the slot's series from
 * this occurrence on (its open occurrences, and the series rule the generator follows). Changing
 * the start time, duration, language or level needs a slot nobody registered to yet; capacity can
 * change any time while open (never below the registrations). Deactivating cancels the slot's
 * registrations (`registration.cancelled`, reason `slot_deactivated`).
 */
export const PatchSlotBody = Type.Object(
  {
    isActive: Type.Optional(Type.Boolean()),
    scope: Type.Optional(Type.Union([Type.Literal('slot'), Type.Literal('series')], { default: 'slot' })),
    startTime: Type.Optional(Type.String({ format: 'date-time', description: 'New start, ISO 8601 (one-off slots only)' })),
    durationMinutes: Type.Optional(Type.Union([Type.Literal(15), Type.Literal(30), Type.Literal(45)])),
    maxParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 200, description: 'Registration capacity' })),
    minParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 8 })),
    targetLanguageCode: Type.Optional(LanguageCode),
    level: Type.Optional(CefrLevel),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchSlotBody = Static<typeof PatchSlotBody>;

/** The recurring series a slot belongs to, as the admin page groups it. */
export const SlotSeriesSummary = Type.Object({
  id: Type.String(),
  recurrence: Type.String(),
  /** Wall-clock start in `timeZone`, `HH:mm`. */
  localTime: Type.String(),
  timeZone: Type.String(),
  firstStartTime: DateTime,
  /** False once deactivated: the generator makes no more occurrences. */
  isActive: Type.Boolean(),
});
export type SlotSeriesSummary = Static<typeof SlotSeriesSummary>;

/** A slot as admins see it: the slot, whether its registration is still open (it can be edited), and its series. */
export const AdminSlot = Type.Object(
  {
    ...Slot.properties,
    /** Registration still open (before `registrationClosesAt`, not matched): the slot can be edited or (de)activated. */
    registrationOpen: Type.Boolean(),
    series: Type.Union([SlotSeriesSummary, Type.Null()]),
  },
  { description: 'A time slot, for administration' },
);
export type AdminSlot = Static<typeof AdminSlot>;

/** `GET /api/admin/slots` query: upcoming slots (from now on by default), active and inactive. */
export const AdminListSlotsQuery = Type.Object(
  {
    targetLanguageCode: Type.Optional(LanguageCode),
    level: Type.Optional(CefrLevel),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('all')], { default: 'all' })),
    seriesId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    cursor: CursorParam,
    limit: LimitParam,
  },
  { additionalProperties: false },
);
export type AdminListSlotsQuery = Static<typeof AdminListSlotsQuery>;

/** `GET /api/admin/slots` answer, by start time. */
export const AdminSlotPage = PageOf(AdminSlot);

/** `GET /api/slots` answer. */
export const SlotPage = PageOf(Slot);
