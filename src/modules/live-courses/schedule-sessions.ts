import crypto from 'node:crypto';
import type { CreateLiveSessionBody, LiveSession, UpdateLiveSessionBody } from '../../protocol/live-courses.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { coursesRepository } from './courses.repository.ts';
import { checkEditable, checkSchedule, transition } from './lifecycle.ts';
import type { LiveCore, SessionContext } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { liveSessionsRepository, type LiveSessionRow } from './live-sessions.repository.ts';
import { plannedReminders } from './reminders.ts';
import { jitsiRoomName, roomPassword } from './room-name.ts';
import { weeklyStarts } from './series.ts';
import { statusMessage } from './run-session.ts';

/**
 * Creating, editing and cancelling sessions (seed 004 §1-§2), by an instructor of the course.
 * Each change and its `live_session.*` event commit together; reminders are planned in the same
 * transaction.
 */

/** @throws AppError forbidden/NOT_INSTRUCTOR unless the caller is an instructor of the session's course. */
function requireInstructor(ctx: Pick<SessionContext, 'access'>): void {
  if (!ctx.access.instructor) throw LiveErrors.notInstructor();
}

/**
 * Creates a session, or a weekly series of numbered sessions (seed 004 case 2) in the course's
 * time zone, each with its own unguessable room (and password when asked for).
 * @throws AppError not_found/COURSE_NOT_FOUND, forbidden/NOT_INSTRUCTOR, validation/INVALID_SCHEDULE.
 */
export async function createSessions(core: LiveCore, user: AuthUser, courseId: string, body: CreateLiveSessionBody, now: Date): Promise<LiveSession[]> {
  const startAt = new Date(body.startAt);
  const endAt = new Date(body.endAt);
  checkSchedule(startAt, endAt, now);
  if (body.series && body.series.count === undefined && body.series.until === undefined) {
    throw LiveErrors.invalidSchedule('A weekly series needs count or until');
  }
  const ids = await core.transact(async (tx) => {
    const c = await core.course(tx, courseId, { lock: true });
    const access = await core.accessTo(tx, user, c);
    if (!access.instructor) throw access.student || access.moderator || access.admin ? LiveErrors.notInstructor() : LiveErrors.courseNotFound();
    const starts = body.series ? weeklyStarts(startAt, c.course.timeZone, body.series) : [startAt];
    const durationMs = endAt.getTime() - startAt.getTime();
    const first = await coursesRepository.takeSessionNumbers(tx, courseId, starts.length);
    const seriesId = body.series ? crypto.randomUUID() : null;
    const rows: LiveSessionRow[] = [];
    for (const [i, start] of starts.entries()) {
      const number = first + i;
      let room = jitsiRoomName(core.settings.jitsi.roomPrefix, courseId, number);
      // ~62 random bits: a clash is next to impossible, but a unique index is the rule, so look first.
      while (await liveSessionsRepository.findByRoom(tx, room)) room = jitsiRoomName(core.settings.jitsi.roomPrefix, courseId, number);
      rows.push({
        id: crypto.randomUUID(),
        courseId,
        number,
        seriesId,
        title: body.title,
        description: body.description ?? '',
        startAt: start,
        endAt: new Date(start.getTime() + durationMs),
        maxParticipants: body.maxParticipants ?? 50,
        recordingEnabled: body.recordingEnabled ?? false,
        studentScreenShare: body.studentScreenShare ?? false,
        status: 'scheduled',
        cancelReason: null,
        jitsiRoomName: room,
        jitsiRoomPassword: body.roomPassword ? roomPassword() : null,
        actualStartAt: null,
        actualEndAt: null,
        recordingUrl: null,
        sequence: 0,
        chatSeq: 0,
        createdBy: user.id,
        createdAt: now,
        updatedAt: now,
      });
    }
    await liveSessionsRepository.insert(tx, rows);
    for (const row of rows) {
      await liveSessionsRepository.planReminders(tx, row.id, plannedReminders(row.startAt, now, core.settings.live));
      await core.record(tx, 'live_session.scheduled', row, c.course, now, { seriesId });
    }
    return rows.map((r) => r.id);
  });
  return core.views(core.db, user, await liveSessionsRepository.listByIds(core.db, ids)).then((v) => v.sort((a, b) => a.number - b.number));
}

/** The fields of `body` whose value differs from the session's. */
function changedFields(s: LiveSessionRow, body: UpdateLiveSessionBody): (keyof UpdateLiveSessionBody)[] {
  const current: Record<string, unknown> = {
    title: s.title,
    description: s.description,
    startAt: s.startAt.toISOString(),
    endAt: s.endAt.toISOString(),
    maxParticipants: s.maxParticipants,
    recordingEnabled: s.recordingEnabled,
    studentScreenShare: s.studentScreenShare,
    recordingUrl: s.recordingUrl,
  };
  const norm = (k: string, v: unknown) => (k === 'startAt' || k === 'endAt' ? new Date(v as string).toISOString() : v);
  return (Object.keys(body) as (keyof UpdateLiveSessionBody)[]).filter((k) => norm(k, body[k]) !== current[k]);
}

/**
 * Edits a session (`PATCH`): the schedule while scheduled (reminders re-planned for the new start),
 * capacity and options until it ends, the recording URL once live (`lifecycle.ts`). Each change
 * bumps the calendar `SEQUENCE` and records `live_session.updated` with the changed fields.
 * @throws AppError not_found, forbidden/NOT_INSTRUCTOR, conflict/NOT_EDITABLE or CAPACITY_BELOW_PRESENT, validation/INVALID_SCHEDULE.
 */
export async function updateSession(core: LiveCore, user: AuthUser, sessionId: string, body: UpdateLiveSessionBody, now: Date): Promise<LiveSession> {
  return core.transact(async (tx) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    requireInstructor(ctx);
    const s = ctx.session;
    const changed = changedFields(s, body);
    checkEditable(s.status as LiveSession['status'], changed);
    if (changed.length === 0) return core.view(ctx, false);
    const startAt = body.startAt ? new Date(body.startAt) : s.startAt;
    const endAt = body.endAt ? new Date(body.endAt) : s.endAt;
    if (changed.includes('startAt') || changed.includes('endAt')) checkSchedule(startAt, endAt, now);
    if (changed.includes('maxParticipants') && s.status === 'live') {
      const present = await attendanceRepository.countPresentStudents(tx, s.id);
      if (body.maxParticipants! < present) throw LiveErrors.capacityBelowPresent(present);
    }
    const patch: Partial<LiveSessionRow> = { startAt, endAt, sequence: s.sequence + 1, updatedAt: now };
    for (const k of changed) if (k !== 'startAt' && k !== 'endAt') Object.assign(patch, { [k]: body[k] });
    const updated = await liveSessionsRepository.update(tx, s.id, patch);
    if (changed.includes('startAt')) await liveSessionsRepository.planReminders(tx, s.id, plannedReminders(startAt, now, core.settings.live));
    await core.record(tx, 'live_session.updated', updated, ctx.course, now, { changed });
    return core.view({ ...ctx, session: updated }, false);
  });
}

/**
 * Cancels a scheduled session with a reason (seed 004 "annulée": still listed, reason shown);
 * pending reminders are dropped; calendars show it `STATUS:CANCELLED`.
 * @throws AppError not_found, forbidden/NOT_INSTRUCTOR, conflict/INVALID_SESSION_STATE.
 */
export async function cancelSession(core: LiveCore, user: AuthUser, sessionId: string, reason: string, now: Date): Promise<LiveSession> {
  return core.transact(async (tx, publish) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    requireInstructor(ctx);
    const status = transition(ctx.session.status as LiveSession['status'], 'cancel');
    const updated = await liveSessionsRepository.update(tx, sessionId, { status, cancelReason: reason.trim(), sequence: ctx.session.sequence + 1, updatedAt: now });
    await liveSessionsRepository.dropPendingReminders(tx, sessionId);
    await core.record(tx, 'live_session.cancelled', updated, ctx.course, now, { cancelReason: updated.cancelReason! });
    publish.push(statusMessage(updated));
    return core.view({ ...ctx, session: updated }, false);
  });
}
