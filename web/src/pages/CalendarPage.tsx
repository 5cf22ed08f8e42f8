import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { serverNow } from '../clock.ts';
import { formatDate, formatTime } from '../format.ts';
import { liveApi } from '../live/live-api.ts';
import type { CalendarEvent, CalendarFeed } from '../types.ts';

type View = 'month' | 'week';

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
  const { t } = useTranslation();
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
  const title = view === 'month' ? formatDate(anchor, { month: 'long', year: 'numeric' }) : t('calendar.weekOf', { date: formatDate(days[0]!, { day: 'numeric', month: 'long', year: 'numeric' }) });
  // Monday first; the names in the chosen language.
  const weekdays = days.slice(0, 7).map((d) => ({ short: formatDate(d, { weekday: 'short' }), long: formatDate(d, { weekday: 'long' }) }));

  return (
    <main data-testid="calendar-page" data-view={view}>
      <h1>{t('app.nav.calendar')}</h1>
      <ErrorMessage error={error} />
      <div className="controls">
        <button onClick={() => move(-1)} data-testid="cal-prev" aria-label={view === 'month' ? t('calendar.prevMonth') : t('calendar.prevWeek')}>
          ←
        </button>
        <strong className="cal-title" data-testid="cal-title">
          {title}
        </strong>
        <button onClick={() => move(1)} data-testid="cal-next" aria-label={view === 'month' ? t('calendar.nextMonth') : t('calendar.nextWeek')}>
          →
        </button>
        <button onClick={() => setAnchor(new Date(serverNow()))}>{t('calendar.today')}</button>
        <span className="spacer" />
        <button className={view === 'month' ? 'primary' : ''} onClick={() => setView('month')} data-testid="cal-month">
          {t('calendar.month')}
        </button>
        <button className={view === 'week' ? 'primary' : ''} onClick={() => setView('week')} data-testid="cal-week">
          {t('calendar.week')}
        </button>
      </div>
      <div className={`cal-grid cal-${view}`}>
        {weekdays.map((w) => (
          <div key={w.long} className="cal-head">
            <abbr title={w.long}>{w.short}</abbr>
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
        <h2>{t('calendar.subscribe')}</h2>
        <p className="small">{t('calendar.subscribeHelp')}</p>
        {feed && (
          <>
            <input className="feed-url" readOnly value={feed.url} data-testid="feed-url" aria-label={t('calendar.feedUrl')} onFocus={(e) => e.target.select()} />
            <div className="controls">
              <a href={feed.webcalUrl} data-testid="feed-webcal">
                {t('calendar.openApp')}
              </a>
              <a href={`https://calendar.google.com/calendar/r?cid=${encodeURIComponent(feed.webcalUrl)}`} target="_blank" rel="noreferrer">
                {t('calendar.google')}
              </a>
              <button onClick={() => void navigator.clipboard?.writeText(feed.url)}>{t('calendar.copy')}</button>
              <button data-testid="feed-rotate" onClick={() => liveApi.rotateFeed().then(setFeed, setError)}>
                {t('calendar.rotate')}
              </button>
            </div>
          </>
        )}
      </section>
    </main>
  );
}

