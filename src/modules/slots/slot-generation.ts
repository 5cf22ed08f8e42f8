import { DateTime } from 'luxon';

/** How a slot repeats (seed 000 §2.1). */
export type Recurrence = 'once' | 'daily' | 'weekly';

/** The part of a recurring slot rule that decides when its occurrences start. */
export interface SeriesTiming {
  /** First occurrence, UTC. Later ones keep its wall-clock time in `timeZone`. */
  firstStartTime: Date;
  /** IANA time zone such as `Europe/Paris`. */
  timeZone: string;
  recurrence: Recurrence;
}

/** True when `zone` is an IANA time zone luxon knows. */
export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/**
 * Start instants (UTC) of a series' occurrences in `[from, until]`. A daily or weekly series keeps
 * its local wall-clock time across daylight-saving changes (a 19:00 Paris slot stays 19:00 local),
 * so its UTC instants shift by an hour at the change. A `once` series yields its first start only.
 * A local time that does not exist on a spring-forward day is moved forward by the gap (luxon's rule).
 */
export function occurrencesBetween(series: SeriesTiming, from: Date, until: Date): Date[] {
  const first = DateTime.fromJSDate(series.firstStartTime, { zone: series.timeZone });
  if (series.recurrence === 'once') {
    const t = series.firstStartTime.getTime();
    return t >= from.getTime() && t <= until.getTime() ? [series.firstStartTime] : [];
  }
  const stepDays = series.recurrence === 'daily' ? 1 : 7;
  const result: Date[] = [];
  // Jump close to `from` instead of walking from the first occurrence.
  const fromLocal = DateTime.fromJSDate(from, { zone: series.timeZone }).startOf('day');
  let index = Math.max(0, Math.floor(fromLocal.diff(first.startOf('day'), 'days').days / stepDays) - 1);
  for (;;) {
    const day = first.startOf('day').plus({ days: index * stepDays });
    const start = DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour: first.hour, minute: first.minute },
      { zone: series.timeZone },
    ).toJSDate();
    if (start.getTime() > until.getTime()) break;
    if (start.getTime() >= from.getTime() && start.getTime() >= series.firstStartTime.getTime()) result.push(start);
    index++;
  }
  return result;
}

/** The wall-clock time `HH:mm` of an instant in a time zone. */
export function localTimeOf(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toFormat('HH:mm');
}
