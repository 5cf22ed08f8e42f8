/** The calendar (seed 004 "Synchronisation Calendrier", DESIGN 4.9): events of a range, and the secret iCal feed. */

import { Type, type Static } from 'typebox';
import { DateTime } from './common.ts';

/** `YYYY-MM-DD` (a UTC day) or an ISO 8601 instant. */
const DayOrInstant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?$', description: 'YYYY-MM-DD (UTC day; end inclusive) or ISO 8601 instant' });

/** `GET /api/calendar/events?start=&end=` (at most 400 days). */
export const CalendarEventsQuery = Type.Object({ start: DayOrInstant, end: DayOrInstant }, { additionalProperties: false });
export type CalendarEventsQuery = Static<typeof CalendarEventsQuery>;

/** One calendar item: a live session of my courses, or a conversation slot I booked. */
export const CalendarEvent = Type.Object({
  type: Type.Union([Type.Literal('live_session'), Type.Literal('conversation_slot')]),
  /** The live session id, or the registration id. */
  id: Type.String(),
  title: Type.String(),
  start: DateTime,
  end: DateTime,
  /** The live session's status, or the registration's. */
  status: Type.String(),
  /** The web client's page for it (relative). */
  url: Type.String(),
  /** IANA time zone of its schedule (the course's, or the slot's). */
  timeZone: Type.String(),
});
export type CalendarEvent = Static<typeof CalendarEvent>;

export const CalendarEventList = Type.Object({ items: Type.Array(CalendarEvent) });
export type CalendarEventList = Static<typeof CalendarEventList>;

/** `GET /api/calendar/feed` and `POST /api/calendar/feed/rotate`: my secret feed's address. */
export const CalendarFeed = Type.Object({
  /** `https://…/calendar/{secret}.ics`: subscribe to it in Google Calendar or Outlook. */
  url: Type.String(),
  /** The same with the `webcal:` scheme (opens the calendar app). */
  webcalUrl: Type.String(),
});
export type CalendarFeed = Static<typeof CalendarFeed>;
