/** Registrations to time slots (seed 000 §3.1, seed 001). */

import { Type, type Static } from 'typebox';
import { CursorParam, DateTime, LimitParam, NullableDateTime, PageOf } from './common.ts';

/** Registration states (seed 001): `attended` / `noshow` once the slot's session ended. */
export const RegistrationStatus = Type.Union([Type.Literal('registered'), Type.Literal('cancelled'), Type.Literal('attended'), Type.Literal('noshow')]);
export type RegistrationStatus = Static<typeof RegistrationStatus>;

/** A registration as clients see it. Times are ISO 8601 UTC. */
export const Registration = Type.Object(
  {
    id: Type.String(),
    timeSlotId: Type.String(),
    userId: Type.String(),
    status: RegistrationStatus,
    registeredAt: DateTime,
    cancelledAt: NullableDateTime,
    /** The session matchmaking placed the user in, once matched. */
    sessionId: Type.Union([Type.String(), Type.Null()]),
    /** Why no session was formed, e.g. `NOT_ENOUGH_PARTICIPANTS`. */
    unmatchedReason: Type.Union([Type.String(), Type.Null()]),
    slot: Type.Object({
      startTime: DateTime,
      endTime: DateTime,
      durationMinutes: Type.Integer(),
      targetLanguageCode: Type.String(),
      level: Type.String(),
    }),
  },
  { description: 'A registration to a time slot' },
);
export type Registration = Static<typeof Registration>;

/** `GET /api/registrations` answer (newest first). */
export const RegistrationPage = PageOf(Registration);

/** `GET /api/registrations` query. */
export const ListRegistrationsQuery = Type.Object(
  { status: Type.Optional(RegistrationStatus), cursor: CursorParam, limit: LimitParam },
  { additionalProperties: false },
);
export type ListRegistrationsQuery = Static<typeof ListRegistrationsQuery>;
