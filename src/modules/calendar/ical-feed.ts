import ical, { ICalEventStatus } from 'ical-generator';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { DateTime } from 'luxon';

/** One event of a feed, in the feed's own terms. */
export interface FeedEvent {
  /** Stable across fetches and changes (RFC 5545 UID). */
  uid: string;
  /** RFC 5545 SEQUENCE: bumped on every change. */
  sequence: number;
  summary: string;
  description: string;
  start: Date;
  end: Date;
  /** IANA zone: the event is written with TZID and a VTIMEZONE, so local times survive DST. */
  timeZone: string;
  cancelled: boolean;
  /** The page to open (join link). */
  url: string;
  /** DTSTAMP / LAST-MODIFIED: when it last changed, so that an unchanged feed is byte-identical. */
  changedAt: Date;
  created: Date;
}

/**
 * Writes an RFC 5545 calendar (`ical-generator`) that Google Calendar and Outlook can subscribe
 * to: one VTIMEZONE per zone used (`@touch4it/ical-timezones`), events with `TZID` local times,
 * stable `UID`s, `SEQUENCE`, `STATUS:CANCELLED`, `URL` and the join link in the description, and
 * a refresh hint of one hour (`REFRESH-INTERVAL`, `X-PUBLISHED-TTL`).
 */
export function renderFeed(name: string, events: readonly FeedEvent[]): string {
  const cal = ical({ name, prodId: { company: 'conversation-service', product: 'calendar', language: 'EN' }, ttl: 3600 });
  cal.timezone({ name: null, generator: getVtimezoneComponent });
  for (const e of events) {
    // ical-generator writes a TZID time from a luxon DateTime in that zone (a native Date would be read in the process's zone).
    const zoned = (d: Date) => DateTime.fromJSDate(d, { zone: e.timeZone });
    cal.createEvent({
      id: e.uid,
      sequence: e.sequence,
      summary: e.summary,
      description: e.description,
      start: zoned(e.start),
      end: zoned(e.end),
      timezone: e.timeZone,
      status: e.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      url: e.url,
      stamp: e.changedAt,
      lastModified: e.changedAt,
      created: e.created,
    });
  }
  return cal.toString();
}
