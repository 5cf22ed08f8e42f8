import type { Executor } from '../../db/client.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { chatRepository } from './chat.repository.ts';
import { coursesRepository } from './courses.repository.ts';
import type { LiveCore } from './live-core.ts';
import { liveSessionsRepository } from './live-sessions.repository.ts';
import { reminderStillUseful, type ReminderKind } from './reminders.ts';
import type { ReportOutcome } from './join-session.ts';

/** Reminders handled per sweep; the next run takes the rest. */
const REMINDER_BATCH = 200;

/**
 * The reminder sweep (seed 004 §2: 24 h and 1 h before): claims due reminders with `FOR UPDATE
 * SKIP LOCKED` and, in the same transaction, records `live_session.reminder` and marks them sent,
 * so each is published exactly once across restarts and instances. A reminder that came due too
 * late to mean anything (the session started, was cancelled, or the nearer reminder is due too)
 * is marked `skipped` without an event.
 * @returns the reminders recorded, as `{sessionId}:{kind}`.
 */
export async function sendDueReminders(core: LiveCore, now: Date): Promise<string[]> {
  return core.transact(async (tx) => {
    const sent: string[] = [];
    for (const { reminder, session } of await liveSessionsRepository.claimDueReminders(tx, now, REMINDER_BATCH)) {
      const kind = reminder.kind as ReminderKind;
      const useful = reminderStillUseful(kind, session, now, core.settings.live);
      if (useful) {
        const { course } = await core.course(tx, session.courseId);
        const minutesBefore = Math.max(0, Math.round((session.startAt.getTime() - now.getTime()) / 60_000));
        await core.record(tx, 'live_session.reminder', session, course, now, { reminder: kind, minutesBefore });
        sent.push(`${session.id}:${kind}`);
      }
      await liveSessionsRepository.markReminder(tx, session.id, kind, now, !useful);
    }
    return sent;
  });
}

/**
 * Sets a session's recording URL from the recording webhook (JaaS `RECORDING_UPLOADED`, or a
 * Jibri finalize script): once per delivery, for a live or ended session of that room;
 * `live_session.updated` tells the others.
 */
export async function applyRecording(core: LiveCore, report: { key: string; room: string; url: string }, now: Date): Promise<ReportOutcome> {
  return core.transact(async (tx) => {
    if (!(await liveSessionsRepository.recordDelivery(tx, report.key, now))) return 'duplicate';
    const found = await liveSessionsRepository.findByRoom(tx, report.room);
    const s = found && (await liveSessionsRepository.lockById(tx, found.id));
    if (!s || (s.status !== 'live' && s.status !== 'ended')) return 'ignored';
    const updated = await liveSessionsRepository.update(tx, s.id, { recordingUrl: report.url, sequence: s.sequence + 1, updatedAt: now });
    const { course } = await core.course(tx, s.courseId);
    await core.record(tx, 'live_session.updated', updated, course, now, { changed: ['recordingUrl'] });
    return 'applied';
  });
}

/**
 * The module's share of a user's erasure (issue 10), in the erasure's transaction: enrolments,
 * staff places, attendance and the user's own chat messages go; sessions stay without their
 * creator's id; others' messages stay (answers keep pointing at an erased question's id).
 */
export async function eraseUser(tx: Executor, userId: string): Promise<void> {
  await chatRepository.eraseUser(tx, userId);
  await attendanceRepository.eraseUser(tx, userId);
  await coursesRepository.eraseUser(tx, userId);
  await liveSessionsRepository.eraseCreator(tx, userId);
}
