/**
 * Display helpers in the chosen language (issue 15): dates, times, durations, language and
 * time-zone names through `Intl` in `intlLocale()`, and the server's reason codes as sentences of
 * the catalogue. Times are shown in the browser's time zone.
 */
import i18n, { intlLocale } from './i18n/index.ts';
import type { ParticipantLeftReason } from './types.ts';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.ListFormat | Intl.DisplayNames>();
/** One formatter per locale and options (building them is not free, and pages format many times a second). */
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.ListFormat | Intl.DisplayNames>(kind: string, options: object, make: (locale: string) => T): T {
  const locale = intlLocale();
  const key = `${kind}|${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make(locale);
    cache.set(key, f);
  }
  return f;
}

const dateTimeFormat = (options: Intl.DateTimeFormatOptions) => cached('dt', options, (l) => new Intl.DateTimeFormat(l, options));

/** An ISO instant in the browser's time zone, e.g. "Tue 4 Mar, 14:30" / "mar. 4 mars, 14:30". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTimeFormat({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** The local time of an ISO instant, e.g. "14:30" (or "2:30 PM" in US English). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTimeFormat({ hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** A date with `options` (calendar titles, weekday names), e.g. `{ month: 'long', year: 'numeric' }`. */
export function formatDate(date: Date, options: Intl.DateTimeFormatOptions): string {
  return dateTimeFormat(options).format(date);
}

type DurationUnit = 'day' | 'hour' | 'minute' | 'second';

/** Whole units as "3 min, 5 s" / "3 min et 5 s" (`Intl.NumberFormat` units joined by `Intl.ListFormat`). */
function unitList(parts: [number, DurationUnit][]): string {
  const shown = parts.filter(([n], i) => n > 0 || (i === parts.length - 1 && parts.every(([m]) => m === 0)));
  const words = shown.map(([n, unit]) => cached('unit', { unit }, (l) => new Intl.NumberFormat(l, { style: 'unit', unit, unitDisplay: 'short' })).format(n));
  return cached('list', {}, (l) => new Intl.ListFormat(l, { style: 'narrow', type: 'unit' })).format(words);
}

/** A number of seconds as "45 sec", "3 min, 5 sec", "1 hr, 2 min" (in the chosen language). */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return unitList([[h, 'hour'], [m, 'minute']]);
  if (m > 0) return unitList([[m, 'minute'], [s, 'second']]);
  return unitList([[s, 'second']]);
}

/** A countdown in ms: "1 day, 2 hr", "3 hr, 4 min", or "12:05" / "0:09" under an hour. Negative reads as 0. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return unitList([[days, 'day'], [hours, 'hour']]);
  if (hours > 0) return unitList([[hours, 'hour'], [minutes, 'minute']]);
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** "fr" → "French (fr)" / "français (fr)"; unknown codes are shown as they are. */
export function languageName(code: string): string {
  try {
    const name = cached('lang', {}, (l) => new Intl.DisplayNames(l, { type: 'language' })).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** An IANA zone's name in the chosen language, e.g. "Central European Time" / "heure d’Europe centrale" (the id when unknown). */
export function timeZoneName(zone: string, at: Date = new Date()): string {
  try {
    const parts = cached('tz', { zone }, (l) => new Intl.DateTimeFormat(l, { timeZone: zone, timeZoneName: 'longGeneric' })).formatToParts(at);
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone;
  } catch {
    return zone;
  }
}

/** A `yyyy-mm-dd` date input as the ISO instant of that local midnight (+ `days`); undefined when empty. */
export function localDayStart(value: string, days = 0): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y!, m! - 1, d! + days).toISOString();
}

/** The browser's IANA time zone, e.g. `Europe/Paris`. */
export const browserTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A count with the locale's digit grouping ("1,200" / "1 200"). */
export function formatNumber(n: number): string {
  return cached('num', {}, (l) => new Intl.NumberFormat(l)).format(n);
}

const t = (key: string, values?: Record<string, unknown>) => i18n.t(key as never, values as never) as unknown as string;

/** Why a registration got no session (or was cancelled by an admin), in words. */
export function unmatchedReasonText(code: string): string {
  return i18n.exists(`reasons.unmatched.${code}`) ? t(`reasons.unmatched.${code}`) : t('reasons.unmatched.other', { code });
}

/** A session's `endReason` in words. */
export function endReasonText(reason: string | null | undefined): string {
  if (!reason) return t('reasons.end.none');
  return i18n.exists(`reasons.end.${reason}`) ? t(`reasons.end.${reason}`) : t('reasons.end.other', { reason });
}

/** A session's `endReason` as a short label ("ended by the host"). */
export function endReasonLabel(reason: string | null | undefined): string {
  if (!reason) return t('reasons.endLabel.none');
  return i18n.exists(`reasons.endLabel.${reason}`) ? t(`reasons.endLabel.${reason}`) : t('reasons.endLabel.none');
}

/** The catalogue key of why someone left the call (`participant-left`'s `reason`). */
export function leftReasonKey(reason: ParticipantLeftReason): string {
  return reason === 'disconnected' ? 'call.notice.disconnected' : 'call.notice.left';
}

/** "PT-br " → "pt-BR": language subtag lower case, region upper case (the API's format). */
export function normalizeLanguageCode(input: string): string {
  const [language = '', region] = input.trim().split('-');
  return region ? `${language.toLowerCase()}-${region.toUpperCase()}` : language.toLowerCase();
}

/** Items joined as the language lists them ("Ana, Ben and Chen" / "Ana, Ben et Chen"). */
export function listFormat(items: string[]): string {
  return cached('list', { type: 'conjunction' }, (l) => new Intl.ListFormat(l, { style: 'long', type: 'conjunction' })).format(items);
}
