import type { Executor } from '../../db/client.ts';
import type { LiveSession, LiveSessionStatus } from '../../protocol/live-courses.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { checkStartWindow, transition } from './lifecycle.ts';
import type { LiveBusMessage } from './live-bus.ts';
import type { CourseContext, LiveCore } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { liveSessionsRepository, type LiveSessionRow } from './live-sessions.repository.ts';

/**
 * Running a session (seed 004 §3, §6): the instructor starts it (`live`, `actualStartAt`) and
 * ends it (`ended`, `actualEndAt`, everyone's presence closed); a sweep ends sessions still live
 * `JITSI_AUTO_END_AFTER` past their scheduled end. The chat streams hear of each change.
 */

/** The chat streams' `status` message for a session's new state. */
export function statusMessage(s: LiveSessionRow): LiveBusMessage {
  return {
    kind: 'status',
    sessionId: s.id,
    status: { status: s.status as LiveSessionStatus, actualStartAt: s.actualStartAt?.toISOString() ?? null, actualEndAt: s.actualEndAt?.toISOString() ?? null },
  };
}

/**
 * Starts a scheduled session, from `LIVE_EARLY_START` before its start until its scheduled end.
 * @throws AppError not_found, forbidden/NOT_INSTRUCTOR, conflict/INVALID_SESSION_STATE, TOO_EARLY_TO_START, SESSION_OVER.
 */
export async function startSession(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<LiveSession> {
  return core.transact(async (tx, publish) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    if (!ctx.access.instructor) throw LiveErrors.notInstructor();
    const status = transition(ctx.session.status as LiveSessionStatus, 'start');
    checkStartWindow(ctx.session, now, core.settings.live.earlyStartMs);
    const updated = await liveSessionsRepository.update(tx, sessionId, { status, actualStartAt: now, updatedAt: now });
    await core.record(tx, 'live_session.started', updated, ctx.course, now, { actualStartAt: now.toISOString() });
    publish.push(statusMessage(updated));
    return core.view({ ...ctx, session: updated }, false);
  });
}

/**
 * Ends a live session (locked by the caller) at `now`: every open presence interval closed, the
 * session `ended`, `live_session.ended` recorded with its duration and attendance.
 */
async function endLocked(core: LiveCore, tx: Executor, publish: LiveBusMessage[], c: CourseContext, s: LiveSessionRow, endedBy: 'instructor' | 'auto', now: Date): Promise<LiveSessionRow> {
  const status = transition(s.status as LiveSessionStatus, 'end');
  await attendanceRepository.closeAll(tx, s.id, now);
  const updated = await liveSessionsRepository.update(tx, s.id, { status, actualEndAt: now, updatedAt: now });
  const attendees = (await attendanceRepository.listParticipants(tx, s.id)).filter((p) => p.role !== 'instructor');
  await core.record(tx, 'live_session.ended', updated, c.course, now, {
    actualStartAt: s.actualStartAt?.toISOString() ?? null,
    actualEndAt: now.toISOString(),
    endedBy,
    durationSeconds: s.actualStartAt ? Math.max(0, Math.floor((now.getTime() - s.actualStartAt.getTime()) / 1000)) : 0,
    participantCount: attendees.length,
    recordingUrl: updated.recordingUrl,
  });
  publish.push(statusMessage(updated));
  return updated;
}

/** Ends a live session (the instructor). @throws AppError not_found, forbidden/NOT_INSTRUCTOR, conflict/INVALID_SESSION_STATE. */
export async function endSession(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<LiveSession> {
  return core.transact(async (tx, publish) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    if (!ctx.access.instructor) throw LiveErrors.notInstructor();
    const updated = await endLocked(core, tx, publish, ctx, ctx.session, 'instructor', now);
    return core.view({ ...ctx, session: updated }, false);
  });
}

/** Sessions ended per sweep; the next run takes the rest. */
const BATCH = 100;

/**
 * The auto-end sweep: sessions still live `JITSI_AUTO_END_AFTER` past their scheduled end are
 * ended at `now` (`endedBy: auto`). Safe on several instances (`FOR UPDATE SKIP LOCKED`).
 * @returns the ids of the sessions ended.
 */
export async function endOverrunningSessions(core: LiveCore, now: Date): Promise<string[]> {
  return core.transact(async (tx, publish) => {
    const ended: string[] = [];
    for (const s of await liveSessionsRepository.claimOverrunning(tx, new Date(now.getTime() - core.settings.jitsi.autoEndAfterMs), BATCH)) {
      await endLocked(core, tx, publish, await core.course(tx, s.courseId), s, 'auto', now);
      ended.push(s.id);
    }
    return ended;
  });
}
