import type { LiveSessionStatus } from '../../protocol/live-courses.ts';
import { LiveErrors } from './live-courses.errors.ts';

/**
 * The states of a live session (seed 004 "États d'une Session"): `scheduled` → `live` (the
 * instructor starts it) → `ended` (the instructor ends it, or the auto-end sweep); `scheduled` →
 * `cancelled` (with a reason). Anything else is a 409.
 */
const TRANSITIONS = {
  start: { from: 'scheduled', to: 'live', verb: 'started' },
  end: { from: 'live', to: 'ended', verb: 'ended' },
  cancel: { from: 'scheduled', to: 'cancelled', verb: 'cancelled' },
} as const;

export type Transition = keyof typeof TRANSITIONS;

/**
 * The status after `action`.
 * @throws AppError conflict/INVALID_SESSION_STATE when the session is not in the state it needs.
 */
export function transition(status: LiveSessionStatus, action: Transition): LiveSessionStatus {
  const t = TRANSITIONS[action];
  if (status !== t.from) throw LiveErrors.invalidTransition(status, t.verb);
  return t.to;
}

/**
 * Whether an instructor may start a scheduled session at `now` (ms): from `earlyStartMs` before
 * its start until its scheduled end.
 * @throws AppError conflict/TOO_EARLY_TO_START, conflict/SESSION_OVER.
 */
export function checkStartWindow(s: { startAt: Date; endAt: Date }, now: Date, earlyStartMs: number): void {
  const opensAt = s.startAt.getTime() - earlyStartMs;
  if (now.getTime() < opensAt) throw LiveErrors.tooEarly(new Date(opensAt).toISOString());
  if (now.getTime() >= s.endAt.getTime()) throw LiveErrors.tooLate();
}

/** The fields `PATCH` may change, and in which states (the schedule only before the start). */
const EDITABLE: Record<string, readonly LiveSessionStatus[]> = {
  title: ['scheduled', 'live', 'ended'],
  description: ['scheduled', 'live', 'ended'],
  startAt: ['scheduled'],
  endAt: ['scheduled'],
  maxParticipants: ['scheduled', 'live'],
  recordingEnabled: ['scheduled', 'live'],
  studentScreenShare: ['scheduled', 'live'],
  recordingUrl: ['live', 'ended'],
};

/** @throws AppError conflict/NOT_EDITABLE for the first field the state does not let change. */
export function checkEditable(status: LiveSessionStatus, fields: readonly string[]): void {
  for (const field of fields) if (!EDITABLE[field]?.includes(status)) throw LiveErrors.notEditable(field, status);
}

/** Longest session accepted (a working day). */
export const MAX_SESSION_MS = 12 * 3_600_000;

/**
 * A session's schedule is sound: it ends after it starts, lasts at most 12 h, and has not ended by `now`.
 * @throws AppError validation/INVALID_SCHEDULE.
 */
export function checkSchedule(startAt: Date, endAt: Date, now: Date): void {
  const ms = endAt.getTime() - startAt.getTime();
  if (!(ms > 0)) throw LiveErrors.invalidSchedule('endAt must be after startAt');
  if (ms > MAX_SESSION_MS) throw LiveErrors.invalidSchedule('A session lasts at most 12 hours');
  if (endAt.getTime() <= now.getTime()) throw LiveErrors.invalidSchedule('The session would be over already');
}

/** `upcoming` / `live` / `past` of `GET /api/live-sessions?status=` for a session at `now`. */
export function phaseOf(s: { status: string; endAt: Date }, now: Date): 'upcoming' | 'live' | 'past' {
  if (s.status === 'live') return 'live';
  if (s.status === 'scheduled' && s.endAt.getTime() > now.getTime()) return 'upcoming';
  return 'past';
}
