import { useEffect, useMemo, useState } from 'react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { serverNow } from '../clock.ts';
import { formatTime } from '../format.ts';
import { liveApi } from '../live/live-api.ts';
import type { CalendarEvent, CalendarFeed } from '../types.ts';

type View = 'month' | 'week';
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Local midnight of a date. */
const midnight = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
/** The Monday (local) of the week holding `d`. */
const mondayOf = (d: Date) => {
  const m = midnight(d);
  return new Date(m.getFullYear(), m.getMonth(), m.getDate() - ((m.getDay() + 6) % 7));
};
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const dayKey = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;

/** The days a view shows: whole weeks (Monday first) covering the month, or one week. */
export function visibleDays(view: View, anchor: Date): Date[] {
  const first = view === 'month' ? mondayOf(new Date(anchor.getFullYear(), anchor.getMonth(), 1)) : mondayOf(anchor);
  const last = view === 'month' ? addDays(mondayOf(new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0)), 6) : addDays(first, 6);
  const days: Date[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push(d);
  return days;
}

/**
 * The calendar (seed 004 "Synchronisation Calendrier"): my live sessions and booked conversation
 * slots in a month or week view (the browser's local time), and the subscribe link of my secret
 * iCal feed for Google Calendar, Outlook or Apple Calendar, which I can replace.
 */
export function CalendarPage() {
  const [view, setView] = useState<View>('month');
  const [anchor, setAnchor] = useState(() => new Date(serverNow()));
  const [events, setEvents] = useState<CalendarEvent[]>([]);
  const [feed, setFeed] = useState<CalendarFeed | null>(null);
  const [error, setError] = useState<unknown>(null);
  const days = useMemo(() => visibleDays(view, anchor), [view, anchor]);

  useEffect(() => {
    const start = days[0]!;
    const end = addDays(days[days.length - 1]!, 1);
    liveApi.calendarEvents(start.toISOString(), end.toISOString()).then(
      (r) => setEvents(r.items),
      setError,
    );
  }, [days]);
  useEffect(() => {
    liveApi.calendarFeed().then(setFeed, setError);
  }, []);

  const byDay = useMemo(() => {
    const map = new Map<string, CalendarEvent[]>();
    for (const e of events) {
      const key = dayKey(new Date(e.start));
      map.set(key, [...(map.get(key) ?? []), e]);
    }
    return map;
  }, [events]);
  const move = (n: number) => setAnchor((a) => (view === 'month' ? new Date(a.getFullYear(), a.getMonth() + n, 1) : addDays(a, 7 * n)));
  const today = dayKey(new Date(serverNow()));
  const title = view === 'month' ? anchor.toLocaleDateString(undefined, { month: 'long', year: 'numeric' }) : `Week of ${days[0]!.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' })}`;

  return (
    <main data-testid="calendar-page" data-view={view}>
      <h1>Calendar</h1>
      <ErrorMessage error={error} />
      <div className="controls">
        <button onClick={() => move(-1)} data-testid="cal-prev">
          ←
        </button>
        <strong className="cal-title" data-testid="cal-title">
          {title}
        </strong>
        <button onClick={() => move(1)} data-testid="cal-next">
          →
        </button>
        <button onClick={() => setAnchor(new Date(serverNow()))}>Today</button>
        <span className="spacer" />
        <button className={view === 'month' ? 'primary' : ''} onClick={() => setView('month')} data-testid="cal-month">
          Month
        </button>
        <button className={view === 'week' ? 'primary' : ''} onClick={() => setView('week')} data-testid="cal-week">
          Week
        </button>
      </div>
      <div className={`cal-grid cal-${view}`}>
        {WEEKDAYS.map((w) => (
          <div key={w} className="cal-head">
            {w}
          </div>
        ))}
        {days.map((d) => {
          const items = byDay.get(dayKey(d)) ?? [];
          const outside = view === 'month' && d.getMonth() !== anchor.getMonth();
          return (
            <div key={d.toISOString()} className={`cal-day${outside ? ' cal-outside' : ''}${dayKey(d) === today ? ' cal-today' : ''}`} data-testid="cal-day">
              <div className="cal-date">{d.getDate()}</div>
              {items.map((e) => (
                <a key={`${e.type}-${e.id}`} href={e.url} className={`cal-event cal-${e.type} status-${e.status}`} data-testid="cal-event" data-event-type={e.type} data-event-id={e.id} title={e.title}>
                  {formatTime(e.start)} {e.title}
                </a>
              ))}
            </div>
          );
        })}
      </div>
      <section className="card" data-testid="calendar-subscribe">
        <h2>Subscribe</h2>
        <p className="small">Add this private address to Google Calendar (Other calendars → From URL), Outlook (Add calendar → Subscribe from web) or Apple Calendar. Anyone with it can read your calendar: keep it to yourself.</p>
        {feed && (
          <>
            <input className="feed-url" readOnly value={feed.url} data-testid="feed-url" onFocus={(e) => e.target.select()} />
            <div className="controls">
              <a href={feed.webcalUrl} data-testid="feed-webcal">
                Open in my calendar app
              </a>
              <a href={`https://calendar.google.com/calendar/r?cid=${encodeURIComponent(feed.webcalUrl)}`} target="_blank" rel="noreferrer">
                Add to Google Calendar
              </a>
              <button onClick={() => void navigator.clipboard?.writeText(feed.url)}>Copy</button>
              <button data-testid="feed-rotate" onClick={() => liveApi.rotateFeed().then(setFeed, setError)}>
                Replace the address
              </button>
            </div>
          </>
        )}
      </section>
    </main>
  );
}

