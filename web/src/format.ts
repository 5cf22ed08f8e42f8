/** Display helpers: local times, countdowns and plain-language codes. */
import type { ParticipantLeftReason } from './types.ts';

const dateTime = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** An ISO instant in the browser's time zone, e.g. "Tue 4 Mar, 14:30". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTime.format(new Date(iso));
}

/** The local time of an ISO instant, e.g. "14:30". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return timeOnly.format(new Date(iso));
}

/** A number of seconds as "45 s", "3 min 05 s", "1 h 02 min". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** A duration in ms as "1 d 2 h", "3 h 04 min", "12:05" or "0:09". Negative durations read as 0. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

const LANGUAGE_NAMES = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(undefined, { type: 'language' }) : null;

/** "fr" → "French (fr)"; unknown codes are shown as they are. */
export function languageName(code: string): string {
  try {
    const name = LANGUAGE_NAMES?.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** Turns `SOME_CODE` into "Some code". */
function humanize(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const UNMATCHED_REASONS: Record<string, string> = {
  NOT_ENOUGH_PARTICIPANTS: 'Not enough learners registered for this slot, so no group was formed.',
  SLOT_CANCELLED: 'The slot was cancelled.',
  SLOT_DEACTIVATED: 'The slot was withdrawn.',
};

/** Why a registration got no session, in words. */
export function unmatchedReasonText(code: string): string {
  return UNMATCHED_REASONS[code] ?? humanize(code);
}

const END_REASONS: Record<string, string> = {
  completed: 'The session reached its scheduled end.',
  timeout: 'The session timed out.',
  host_ended: 'The host ended the session.',
  all_left: 'Everyone left the session.',
  cancelled: 'The session was cancelled (not enough people joined).',
};

/** A session's `endReason` in words. */
export function endReasonText(reason: string | null | undefined): string {
  if (!reason) return 'The session has ended.';
  return END_REASONS[reason] ?? humanize(reason);
}

const LEFT_REASONS: Record<ParticipantLeftReason, string> = {
  left: 'left the call',
  disconnected: 'lost connection',
};

/** Why someone left the call (`participant-left`'s `reason`), as a verb phrase. */
export function leftReasonText(reason: ParticipantLeftReason): string {
  return LEFT_REASONS[reason] ?? 'left the call';
}

const ERROR_HINTS: Record<string, string> = {
  SLOT_FULL: 'This slot is full.',
  REGISTRATION_CLOSED: 'Registration for this slot has closed.',
  TOO_MANY_REGISTRATIONS: 'You already have the maximum number of active registrations (3).',
  ALREADY_REGISTERED: 'You are already registered for this slot.',
  CANCELLATION_CLOSED: 'It is too late to cancel this registration.',
  DAILY_LIMIT_REACHED: 'You have reached the daily session limit of your plan.',
  ADMIN_ONLY: 'Only admins can do this.',
  AUTH_REQUIRED: 'Please sign in.',
  INVALID_TOKEN: 'This token is not valid.',
  TOKEN_EXPIRED: 'Your token has expired; please sign in again.',
  RATE_LIMITED: 'Too many attempts; please wait a moment.',
  INVITE_CODE_NOT_FOUND: 'No open session has this code. Check the code, or ask the host for a new one.',
  SESSION_FULL: 'This session is full.',
  SESSION_ENDED: 'This session has already ended.',
  TOO_MANY_ACTIVE_SESSIONS: 'You are already in 3 sessions, the most at once. Leave one first.',
  DAILY_SESSION_LIMIT: 'You have reached today\'s limit of sessions on the free plan (10 a day).',
  NOT_HOST: 'Only the host can do this.',
  INVALID_STATE: 'The session is not in a state that allows this.',
  ALREADY_RATED: 'You have already rated this session.',
  SESSION_NOT_ENDED: 'You can rate the session once it has ended.',
  NETWORK_ERROR: 'Cannot reach the server.',
};

/** A short explanation for an error code; the server's message when the code is not known here. */
export function errorText(code: string, message: string): string {
  return ERROR_HINTS[code] ?? (message || humanize(code));
}

/** "PT-br " → "pt-BR": language subtag lower case, region upper case (the API's format). */
export function normalizeLanguageCode(input: string): string {
  const [language = '', region] = input.trim().split('-');
  return region ? `${language.toLowerCase()}-${region.toUpperCase()}` : language.toLowerCase();
}
