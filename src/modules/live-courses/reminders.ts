/** The two reminders of seed 004 §2: `first` (24 h before) and `last` (1 h before, "Dernier rappel"). */
export type ReminderKind = 'first' | 'last';

export interface ReminderOffsets {
  /** ms before the start (`LIVE_REMINDER_FIRST`, 24 h). */
  firstReminderMs: number;
  /** ms before the start (`LIVE_REMINDER_LAST`, 1 h). */
  lastReminderMs: number;
}

/**
 * The reminders a session starting at `startAt` still has ahead at `now`: one per kind whose due
 * time is still in the future. A session created (or moved) 30 minutes before its start gets
 * none: its `live_session.scheduled` (or `updated`) event is the notice.
 */
export function plannedReminders(startAt: Date, now: Date, offsets: ReminderOffsets): { kind: ReminderKind; dueAt: Date }[] {
  const plan: { kind: ReminderKind; dueAt: Date }[] = [
    { kind: 'first', dueAt: new Date(startAt.getTime() - offsets.firstReminderMs) },
    { kind: 'last', dueAt: new Date(startAt.getTime() - offsets.lastReminderMs) },
  ];
  return plan.filter((r) => r.dueAt.getTime() > now.getTime());
}

/**
 * Whether a due reminder is still worth sending at `now`: the session is still scheduled and has
 * not started, and for `first`, the `last` one is not due too (after a long outage, one reminder,
 * the nearer one, rather than two at once).
 */
export function reminderStillUseful(kind: ReminderKind, s: { status: string; startAt: Date }, now: Date, offsets: ReminderOffsets): boolean {
  if (s.status !== 'scheduled' || s.startAt.getTime() <= now.getTime()) return false;
  return kind === 'last' || now.getTime() < s.startAt.getTime() - offsets.lastReminderMs;
}
