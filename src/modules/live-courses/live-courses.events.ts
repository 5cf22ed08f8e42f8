import { Type, type Static } from 'typebox';
import type { OutboxEvent } from '../outbox/cloud-event.ts';

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
