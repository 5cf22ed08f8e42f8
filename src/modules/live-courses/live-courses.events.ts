import { Type, type Static } from 'typebox';
import type { EventDefinition, OutboxEvent } from '../outbox/cloud-event.ts';

/**
 * The events the live-courses module publishes (DESIGN 4.8: `live_session.*`, key and subject the
 * live session id, so that one session's events stay in order; seed 004 §2 notifications), with
 * the JSON Schema of each `data` and a typed builder. `userIds` is the audience a notification
 * service tells: the course's instructors, moderators and enrolled students at the time.
 */

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

const LiveSessionFields = {
  liveSessionId: Type.String(),
  courseId: Type.String(),
  courseTitle: Type.String(),
  number: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  startAt: Time,
  endAt: Time,
  /** The course's IANA time zone, to show local times. */
  timeZone: Type.String(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended'), Type.Literal('cancelled')]),
  userIds: Type.Array(Type.String()),
};

export const LiveSessionScheduledData = Type.Object({ ...LiveSessionFields, seriesId: Type.Union([Type.String(), Type.Null()]) });
export const LiveSessionUpdatedData = Type.Object({ ...LiveSessionFields, changed: Type.Array(Type.String()) });
export const LiveSessionCancelledData = Type.Object({ ...LiveSessionFields, cancelReason: Type.String() });
export const LiveSessionStartedData = Type.Object({ ...LiveSessionFields, actualStartAt: Time });
export const LiveSessionEndedData = Type.Object({
  ...LiveSessionFields,
  actualStartAt: NullableTime,
  actualEndAt: Time,
  /** `instructor` (ended by hand) or `auto` (still live JITSI_AUTO_END_AFTER past its end). */
  endedBy: Type.Union([Type.Literal('instructor'), Type.Literal('auto')]),
  durationSeconds: Type.Integer({ minimum: 0 }),
  participantCount: Type.Integer({ minimum: 0 }),
  recordingUrl: Type.Union([Type.String(), Type.Null()]),
});
export const LiveSessionReminderData = Type.Object({
  ...LiveSessionFields,
  /** `first` (LIVE_REMINDER_FIRST, 24 h) or `last` (LIVE_REMINDER_LAST, 1 h). */
  reminder: Type.Union([Type.Literal('first'), Type.Literal('last')]),
  minutesBefore: Type.Integer({ minimum: 0 }),
});

export type LiveSessionFieldsData = Static<typeof LiveSessionScheduledData> extends infer T ? Omit<T, 'seriesId'> : never;

/** Event types of this module, with their data schemas (the AsyncAPI document lists them). */
export const LIVE_SESSION_EVENTS = {
  'live_session.scheduled': LiveSessionScheduledData,
  'live_session.updated': LiveSessionUpdatedData,
  'live_session.cancelled': LiveSessionCancelledData,
  'live_session.started': LiveSessionStartedData,
  'live_session.ended': LiveSessionEndedData,
  'live_session.reminder': LiveSessionReminderData,
} as const;

type EventType = keyof typeof LIVE_SESSION_EVENTS;
type DataOf<T extends EventType> = Static<(typeof LIVE_SESSION_EVENTS)[T]>;

/** What every builder needs: the session (as stored), its course, and the audience. */
export interface EventSubject {
  session: { id: string; courseId: string; number: number; title: string; startAt: Date; endAt: Date; status: string };
  course: { title: string; timeZone: string };
  userIds: string[];
}

function fields(s: EventSubject): LiveSessionFieldsData {
  return {
    liveSessionId: s.session.id,
    courseId: s.session.courseId,
    courseTitle: s.course.title,
    number: s.session.number,
    title: s.session.title,
    startAt: s.session.startAt.toISOString(),
    endAt: s.session.endAt.toISOString(),
    timeZone: s.course.timeZone,
    status: s.session.status as LiveSessionFieldsData['status'],
    userIds: s.userIds,
  };
}

/**
 * A `live_session.*` event of `type` at `time`, with the session's fields and `extra`.
 * Key and subject: the live session id (DESIGN 4.8).
 */
export function liveSessionEvent<T extends EventType>(
  type: T,
  subject: EventSubject,
  time: Date,
  extra: Omit<DataOf<T>, keyof LiveSessionFieldsData>,
): OutboxEvent<DataOf<T>> {
  return { type, subject: subject.session.id, key: subject.session.id, time, data: { ...fields(subject), ...extra } as DataOf<T> };
}

const EXAMPLE_FIELDS = {
  liveSessionId: '7e3c1a9b-2d4f-4a6e-8b1c-0f9d2e3a4b5c',
  courseId: 'gouvernance-101',
  courseTitle: 'Introduction à la gouvernance',
  number: 1,
  title: 'Session 1 : Introduction à la gouvernance',
  startAt: '2026-12-08T09:00:00.000Z',
  endAt: '2026-12-08T10:00:00.000Z',
  timeZone: 'Europe/Paris',
  status: 'scheduled' as const,
  userIds: ['instructor-1', 'u-ana', 'u-ben'],
};

const definition = (type: EventType, summary: string, example: Record<string, unknown>): EventDefinition => ({
  type,
  summary,
  key: 'live session id',
  keyField: 'liveSessionId',
  subjectField: 'liveSessionId',
  data: LIVE_SESSION_EVENTS[type],
  example: { ...EXAMPLE_FIELDS, ...example },
});

/** The event types of this module with examples (the AsyncAPI document lists them; seed 004 §2 notifications). */
export const LIVE_SESSION_EVENT_DEFINITIONS: readonly EventDefinition[] = [
  definition('live_session.scheduled', 'An instructor scheduled a live session, alone or in a weekly series (notification-service)', { seriesId: null }),
  definition('live_session.updated', 'A scheduled live session changed (title, times, capacity, recording)', { changed: ['startAt', 'endAt'] }),
  definition('live_session.cancelled', 'A live session was cancelled, with the reason shown to students', { status: 'cancelled', cancelReason: 'Instructor unavailable' }),
  definition('live_session.reminder', 'A live session starts in 24 h or 1 h, each reminder once (seed 004 §2)', { reminder: 'first', minutesBefore: 1440 }),
  definition('live_session.started', 'The instructor started the live session: it is joinable (seed 004 §3)', { status: 'live', actualStartAt: '2026-12-08T08:58:30.000Z' }),
  definition('live_session.ended', 'The live session ended, with its duration, participants and recording (seed 004 §6)', {
    status: 'ended',
    actualStartAt: '2026-12-08T08:58:30.000Z',
    actualEndAt: '2026-12-08T10:02:10.000Z',
    endedBy: 'instructor',
    durationSeconds: 3820,
    participantCount: 24,
    recordingUrl: null,
  }),
];
