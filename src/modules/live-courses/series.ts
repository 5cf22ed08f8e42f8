import { DateTime } from 'luxon';

/** The most sessions one weekly series creates (a year of weeks). */
export const MAX_SERIES_LENGTH = 52;

/**
 * Start instants (UTC) of a weekly series (seed 004 case 2: "chaque mardi à 10h"): the first
 * start, then every 7 days at the same wall-clock time in `timeZone`, so that a 10:00 Paris
 * session stays 10:00 local across daylight-saving changes (its UTC instant shifts by an hour). A
 * wall-clock time that does not exist on a spring-forward day moves forward by the gap (luxon's rule).
 * @param opts.count sessions in all (the first included); @param opts.until last local day (`YYYY-MM-DD`, inclusive).
 * @returns at least the first start, at most `MAX_SERIES_LENGTH` starts.
 */
export function weeklyStarts(first: Date, timeZone: string, opts: { count?: number; until?: string }): Date[] {
  const local = DateTime.fromJSDate(first, { zone: timeZone });
  const lastDay = opts.until ? DateTime.fromISO(opts.until, { zone: timeZone }).endOf('day') : null;
  const limit = Math.min(opts.count ?? MAX_SERIES_LENGTH, MAX_SERIES_LENGTH);
  const starts: Date[] = [];
  for (let week = 0; week < limit; week++) {
    const day = local.plus({ weeks: week });
    // Rebuild from the local fields: `plus({ weeks })` keeps wall-clock time, and this states it.
    const start = DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour: local.hour, minute: local.minute, second: local.second },
      { zone: timeZone },
    );
    if (lastDay && start > lastDay) break;
    starts.push(start.toJSDate());
  }
  return starts;
}

/** True when `zone` is an IANA time zone luxon knows. */
export function isTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}
