import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import type { CalendarEvent, CalendarFeed } from '../../protocol/calendar.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { CalendarSession, LiveCoursesService } from '../live-courses/live-courses.service.ts';
import type { BookedSlot, RegistrationsService } from '../registrations/registrations.service.ts';
import { CalendarErrors } from './calendar.errors.ts';
import { calendarRepository } from './calendar.repository.ts';
import { renderFeed, type FeedEvent } from './ical-feed.ts';

const DAY = 86_400_000;
/** Longest range of `GET /api/calendar/events`. */
export const MAX_RANGE_DAYS = 400;
/** A feed covers this much of the past and of the future. */
const FEED_PAST_MS = 60 * DAY;
const FEED_FUTURE_MS = 400 * DAY;

/** Web-client pages of calendar items (hash routes, relative to the service's base URL). */
export const pagePath = {
  liveSession: (id: string) => `/#/live-sessions/${encodeURIComponent(id)}`,
  registrations: () => '/#/registrations',
};

/**
 * The calendar (seed 004 "Synchronisation Calendrier"): the caller's live sessions (courses they
 * run or are enrolled in, from the live-courses service) and booked conversation slots (from the
 * registrations service), as JSON for a range or as each user's secret iCal feed. It owns only
 * the feed secrets.
 */
export class CalendarService {
  constructor(
    private readonly db: Executor,
    private readonly live: LiveCoursesService,
    private readonly registrations: RegistrationsService,
  ) {}

  /**
   * `GET /api/calendar/events?start=&end=`: items overlapping the range, by start. A day
   * (`YYYY-MM-DD`) is a UTC day; an end day is included whole.
   * @throws AppError validation/INVALID_RANGE when end is not after start or the range is over 400 days.
   */
  async events(user: AuthUser, start: string, end: string): Promise<CalendarEvent[]> {
    const from = new Date(/T/.test(start) ? start : `${start}T00:00:00Z`);
    const to = /T/.test(end) ? new Date(end) : new Date(new Date(`${end}T00:00:00Z`).getTime() + DAY);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw CalendarErrors.invalidRange('start and end must be dates or instants');
    if (to.getTime() <= from.getTime()) throw CalendarErrors.invalidRange('end must be after start');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) throw CalendarErrors.invalidRange(`At most ${MAX_RANGE_DAYS} days at once`);
    const range = { from, to };
    const [sessions, slots] = await Promise.all([this.live.calendarSessions(user.id, range), this.registrations.listBookedBetween(user.id, range)]);
    const items: CalendarEvent[] = [
      ...sessions.map((s) => ({
        type: 'live_session' as const,
        id: s.id,
        title: `${s.courseTitle}: ${s.title}`,
        start: s.startAt.toISOString(),
        end: s.endAt.toISOString(),
        status: s.status,
        url: pagePath.liveSession(s.id),
        timeZone: s.timeZone,
      })),
      ...slots.map((r) => ({
        type: 'conversation_slot' as const,
        id: r.registrationId,
        title: slotTitle(r),
        start: r.startTime.toISOString(),
        end: r.endTime.toISOString(),
        status: r.status,
        url: pagePath.registrations(),
        timeZone: r.timeZone,
      })),
    ];
    return items.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  }

  /** `GET /api/calendar/feed`: the caller's feed address, created on first use. */
  async feed(user: AuthUser, baseUrl: string, now: Date): Promise<CalendarFeed> {
    const row = await calendarRepository.ensure(this.db, { userId: user.id, secret: newSecret(), createdAt: now });
    return feedUrls(baseUrl, row.secret);
  }

  /** `POST /api/calendar/feed/rotate`: a new secret; the old address stops working at once. */
  async rotate(user: AuthUser, baseUrl: string, now: Date): Promise<CalendarFeed> {
    const secret = newSecret();
    await calendarRepository.replace(this.db, { userId: user.id, secret, createdAt: now });
    return feedUrls(baseUrl, secret);
  }

  /**
   * `GET /calendar/{secret}.ics`: the feed of the secret's owner, from 60 days back to 400 days
   * ahead. @throws AppError not_found/CALENDAR_FEED_NOT_FOUND for an unknown or rotated secret.
   */
  async renderFeed(secret: string, baseUrl: string, now: Date): Promise<string> {
    const row = await calendarRepository.findBySecret(this.db, secret);
    if (!row) throw CalendarErrors.feedNotFound();
    const range = { from: new Date(now.getTime() - FEED_PAST_MS), to: new Date(now.getTime() + FEED_FUTURE_MS) };
    const [sessions, slots] = await Promise.all([this.live.calendarSessions(row.userId, range), this.registrations.listBookedBetween(row.userId, range, true)]);
    const base = baseUrl.replace(/\/+$/, '');
    return renderFeed('Live courses and conversations', [...sessions.map((s) => sessionEvent(s, base)), ...slots.map((r) => slotEvent(r, base))]);
  }

  /** The module's share of a user's erasure: the feed secret. */
  eraseUser(tx: Executor, userId: string): Promise<void> {
    return calendarRepository.eraseUser(tx, userId);
  }
}

/** 32 random bytes, base64url (43 characters). */
function newSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function feedUrls(baseUrl: string, secret: string): CalendarFeed {
  const url = `${baseUrl.replace(/\/+$/, '')}/calendar/${secret}.ics`;
  return { url, webcalUrl: url.replace(/^https?:/, 'webcal:') };
}

function slotTitle(r: BookedSlot): string {
  return `Conversation practice (${r.targetLanguageCode}, ${r.level})`;
}

function sessionEvent(s: CalendarSession, base: string): FeedEvent {
  const url = `${base}${pagePath.liveSession(s.id)}`;
  const lines = [s.description, s.status === 'cancelled' ? `Cancelled: ${s.cancelReason ?? ''}` : `Join: ${url}`].filter(Boolean);
  return {
    uid: `live-session-${s.id}@conversation-service`,
    sequence: s.sequence,
    summary: `${s.courseTitle}: ${s.title}`,
    description: lines.join('\n\n'),
    start: s.startAt,
    end: s.endAt,
    timeZone: s.timeZone,
    cancelled: s.status === 'cancelled',
    url,
    changedAt: s.updatedAt,
    created: s.createdAt,
  };
}

function slotEvent(r: BookedSlot, base: string): FeedEvent {
  const url = `${base}${pagePath.registrations()}`;
  const cancelled = r.status === 'cancelled';
  return {
    uid: `registration-${r.registrationId}@conversation-service`,
    sequence: cancelled ? 1 : 0,
    summary: slotTitle(r),
    description: cancelled ? 'You cancelled this registration.' : `Join from your registrations: ${url}`,
    start: r.startTime,
    end: r.endTime,
    timeZone: r.timeZone,
    cancelled,
    url,
    changedAt: r.changedAt,
    created: r.bookedAt,
  };
}
