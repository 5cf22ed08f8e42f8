import { Type, type Static } from 'typebox';
import { CefrLevel, DateTime } from '../../protocol/common.ts';
import type { EventDefinition, OutboxEvent } from '../outbox/cloud-event.ts';

/**
 * The events the registrations module publishes (DESIGN 4.8): the notification-service sends the
 * confirmation and the reminder of seed 000 §3.1 from them. Key: the user id (a user's
 * notifications stay in order); subject: the registration id. No names or e-mail addresses: the
 * notification-service has its own user data.
 */

/** The slot a registration is for, as notifications show it. Times UTC. */
const SlotSummary = Type.Object({
  startTime: DateTime,
  endTime: DateTime,
  durationMinutes: Type.Integer(),
  targetLanguageCode: Type.String(),
  level: CefrLevel,
});

const RegistrationFields = {
  registrationId: Type.String(),
  userId: Type.String(),
  timeSlotId: Type.String(),
  slot: SlotSummary,
};

/** `registration.created`: the confirmation (seed 000 §3.1 step 4). */
export const RegistrationCreatedData = Type.Object({ ...RegistrationFields, registeredAt: DateTime });
/** `registration.cancelled`: by the user, or because an admin deactivated the slot. */
export const RegistrationCancelledData = Type.Object({
  ...RegistrationFields,
  cancelledAt: DateTime,
  reason: Type.Union([Type.Literal('user_cancelled'), Type.Literal('slot_deactivated')]),
});
/** `registration.matched`: matchmaking placed the registration in a session (seed 000 §5.2 d). */
export const RegistrationMatchedData = Type.Object({ ...RegistrationFields, sessionId: Type.String(), joinOpensAt: DateTime });
/** `registration.unmatched`: matchmaking could not place it (seed 000 §5.2 c, e.g. `NOT_ENOUGH_PARTICIPANTS`). */
export const RegistrationUnmatchedData = Type.Object({ ...RegistrationFields, reason: Type.String() });
/** `registration.reminder`: `RULES_REGISTRATION_REMINDER` (5 min) before the slot (seed 000 §3.1 step 5), once. */
export const RegistrationReminderData = Type.Object({ ...RegistrationFields, sessionId: Type.String(), remindedAt: DateTime });

export type RegistrationCreatedData = Static<typeof RegistrationCreatedData>;
export type RegistrationCancelledData = Static<typeof RegistrationCancelledData>;
export type RegistrationMatchedData = Static<typeof RegistrationMatchedData>;
export type RegistrationUnmatchedData = Static<typeof RegistrationUnmatchedData>;
export type RegistrationReminderData = Static<typeof RegistrationReminderData>;

/** What every builder needs of a registration and its slot. */
export interface RegistrationFacts {
  id: string;
  userId: string;
  timeSlotId: string;
  slot: { startTime: Date; durationMinutes: number; targetLanguageCode: string; level: string };
}

function fields(r: RegistrationFacts) {
  return {
    registrationId: r.id,
    userId: r.userId,
    timeSlotId: r.timeSlotId,
    slot: {
      startTime: r.slot.startTime.toISOString(),
      endTime: new Date(r.slot.startTime.getTime() + r.slot.durationMinutes * 60_000).toISOString(),
      durationMinutes: r.slot.durationMinutes,
      targetLanguageCode: r.slot.targetLanguageCode,
      level: r.slot.level as CefrLevel,
    },
  };
}

function event<T>(type: string, r: RegistrationFacts, time: Date, data: T): OutboxEvent<T> {
  return { type, subject: r.id, key: r.userId, time, data };
}

/** `registration.created` at `now`. */
export function registrationCreated(r: RegistrationFacts, now: Date): OutboxEvent<RegistrationCreatedData> {
  return event('registration.created', r, now, { ...fields(r), registeredAt: now.toISOString() });
}

/** `registration.cancelled` at `now`. */
export function registrationCancelled(r: RegistrationFacts, reason: RegistrationCancelledData['reason'], now: Date): OutboxEvent<RegistrationCancelledData> {
  return event('registration.cancelled', r, now, { ...fields(r), cancelledAt: now.toISOString(), reason });
}

/** `registration.matched` at `now`; the waiting room opens `joinWindowMs` before the start. */
export function registrationMatched(r: RegistrationFacts, sessionId: string, joinWindowMs: number, now: Date): OutboxEvent<RegistrationMatchedData> {
  return event('registration.matched', r, now, { ...fields(r), sessionId, joinOpensAt: new Date(r.slot.startTime.getTime() - joinWindowMs).toISOString() });
}

/** `registration.unmatched` at `now`. */
export function registrationUnmatched(r: RegistrationFacts, reason: string, now: Date): OutboxEvent<RegistrationUnmatchedData> {
  return event('registration.unmatched', r, now, { ...fields(r), reason });
}

/** `registration.reminder` at `now`. */
export function registrationReminder(r: RegistrationFacts, sessionId: string, now: Date): OutboxEvent<RegistrationReminderData> {
  return event('registration.reminder', r, now, { ...fields(r), sessionId, remindedAt: now.toISOString() });
}

const EXAMPLE = {
  registrationId: '9d3e2f1a-7b6c-4d5e-8f90-a1b2c3d4e5f6',
  userId: 'u-ana',
  timeSlotId: '5c2a9e7d-1b3f-4c8a-a6d4-9e0f2b7c1d35',
  slot: { startTime: '2026-12-01T18:00:00.000Z', endTime: '2026-12-01T18:30:00.000Z', durationMinutes: 30, targetLanguageCode: 'fr', level: 'B1' },
};

/** The event types of this module (the AsyncAPI document lists them). */
export const REGISTRATION_EVENTS: readonly EventDefinition[] = [
  {
    type: 'registration.created',
    summary: 'A learner registered to a time slot: the confirmation (notification-service, seed 000 §3.1)',
    key: 'user id',
    keyField: 'userId',
    subjectField: 'registrationId',
    data: RegistrationCreatedData,
    example: { ...EXAMPLE, registeredAt: '2026-11-30T09:12:44.000Z' },
  },
  {
    type: 'registration.cancelled',
    summary: 'A registration was cancelled, by the learner or because the slot was deactivated (notification-service)',
    key: 'user id',
    keyField: 'userId',
    subjectField: 'registrationId',
    data: RegistrationCancelledData,
    example: { ...EXAMPLE, cancelledAt: '2026-12-01T10:02:00.000Z', reason: 'user_cancelled' },
  },
  {
    type: 'registration.matched',
    summary: 'Matchmaking placed the registration in a session (notification-service, seed 000 §5.2)',
    key: 'user id',
    keyField: 'userId',
    subjectField: 'registrationId',
    data: RegistrationMatchedData,
    example: { ...EXAMPLE, sessionId: '0b8f4c1e-6a0d-4f5e-9c3a-2d7b1e5f8a90', joinOpensAt: '2026-12-01T17:55:00.000Z' },
  },
  {
    type: 'registration.unmatched',
    summary: 'Matchmaking could not place the registration: too few learners of that language and level (notification-service)',
    key: 'user id',
    keyField: 'userId',
    subjectField: 'registrationId',
    data: RegistrationUnmatchedData,
    example: { ...EXAMPLE, reason: 'NOT_ENOUGH_PARTICIPANTS' },
  },
  {
    type: 'registration.reminder',
    summary: 'The slot starts in 5 minutes: the reminder, sent once per registration (notification-service, seed 000 §3.1)',
    key: 'user id',
    keyField: 'userId',
    subjectField: 'registrationId',
    data: RegistrationReminderData,
    example: { ...EXAMPLE, sessionId: '0b8f4c1e-6a0d-4f5e-9c3a-2d7b1e5f8a90', remindedAt: '2026-12-01T17:55:00.000Z' },
  },
];
