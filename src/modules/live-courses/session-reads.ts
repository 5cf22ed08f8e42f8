import type { LiveSession } from '../../protocol/live-courses.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { canSee } from './course-access.ts';
import { coursesRepository } from './courses.repository.ts';
import { phaseOf } from './lifecycle.ts';
import type { LiveCore } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { liveSessionsRepository } from './live-sessions.repository.ts';

/** A session the caller may see. @throws AppError not_found/LIVE_SESSION_NOT_FOUND. */
export async function getSession(core: LiveCore, user: AuthUser, sessionId: string): Promise<LiveSession> {
  const ctx = await core.session(core.db, user, sessionId);
  const p = ctx.session.status === 'live' ? await attendanceRepository.find(core.db, sessionId, user.id) : undefined;
  return core.view(ctx, Boolean(p && (p.pagePresent || p.jitsiPresent)));
}

/** Every session of a course, by start (instructor page, course page). @throws AppError not_found/COURSE_NOT_FOUND. */
export async function listCourseSessions(core: LiveCore, user: AuthUser, courseId: string): Promise<LiveSession[]> {
  const c = await core.course(core.db, courseId);
  if (!canSee(await core.accessTo(core.db, user, c))) throw LiveErrors.courseNotFound();
  return core.views(core.db, user, await liveSessionsRepository.listByCourse(core.db, courseId));
}

/**
 * The caller's sessions (courses they run or are enrolled in), by phase (seed 004 §4 étape 1):
 * `upcoming` and `live` soonest first, `past` most recent first; all of them without a phase.
 */
export async function listMySessions(core: LiveCore, user: AuthUser, phase: 'upcoming' | 'live' | 'past' | undefined, now: Date): Promise<LiveSession[]> {
  const rows = (await liveSessionsRepository.listForUser(core.db, user.id)).filter((s) => !phase || phaseOf(s, now) === phase);
  if (phase === 'past') rows.reverse();
  return core.views(core.db, user, rows);
}

/** A live session as a calendar shows it (`calendar` module). */
export interface CalendarSession {
  id: string;
  courseId: string;
  courseTitle: string;
  number: number;
  title: string;
  description: string;
  startAt: Date;
  endAt: Date;
  /** The course's IANA time zone (the feed's TZID). */
  timeZone: string;
  status: LiveSession['status'];
  cancelReason: string | null;
  /** RFC 5545 SEQUENCE. */
  sequence: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The sessions overlapping `[from, to)` of every course `userId` runs or is enrolled in, by start. */
export async function calendarSessions(core: LiveCore, userId: string, range: { from: Date; to: Date }): Promise<CalendarSession[]> {
  const rows = await liveSessionsRepository.listForUser(core.db, userId, range);
  const courses = new Map((await coursesRepository.listByIds(core.db, [...new Set(rows.map((r) => r.courseId))])).map((c) => [c.id, c]));
  return rows.flatMap((s) => {
    const course = courses.get(s.courseId);
    if (!course) return [];
    return [
      {
        id: s.id,
        courseId: s.courseId,
        courseTitle: course.title,
        number: s.number,
        title: s.title,
        description: s.description,
        startAt: s.startAt,
        endAt: s.endAt,
        timeZone: course.timeZone,
        status: s.status as LiveSession['status'],
        cancelReason: s.cancelReason,
        sequence: s.sequence,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
      },
    ];
  });
}
