import type { JitsiSettings, LiveCourseSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { LiveSession, LiveSessionStatus } from '../../protocol/live-courses.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { canSee, courseAccess, rolesOf, type CourseAccess, type StaffEntry } from './course-access.ts';
import { coursesRepository, type CourseRow } from './courses.repository.ts';
import { jitsiJoinUrl, type JitsiTokenSettings } from './jitsi-token.ts';
import type { LiveBus, LiveBusMessage } from './live-bus.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { liveSessionEvent, type LIVE_SESSION_EVENTS } from './live-courses.events.ts';
import { liveSessionsRepository, type LiveSessionRow } from './live-sessions.repository.ts';

/** Settings the use cases read (DESIGN 4.5, 4.9). */
export interface LiveSettings {
  jitsi: JitsiSettings;
  live: LiveCourseSettings;
  /** `RULES_HEARTBEAT_TIMEOUT`: a page silent this long no longer counts as present (ms). */
  heartbeatTimeoutMs: number;
  token: JitsiTokenSettings;
}

/** A course with its staff. */
export interface CourseContext {
  course: CourseRow;
  staff: StaffEntry[];
}

/** A session as one caller sees it: the session, its course and staff, and the caller's access. */
export interface SessionContext extends CourseContext {
  session: LiveSessionRow;
  access: CourseAccess;
}

/** What the use cases share: the database, the outbox, the bus, settings, and the session views. */
export class LiveCore {
  constructor(
    readonly db: Executor,
    readonly outbox: OutboxService,
    readonly bus: LiveBus,
    readonly settings: LiveSettings,
    readonly logger: Logger,
  ) {}

  /**
   * Runs `work` in one transaction; once it committed, publishes what it queued to the live bus
   * (never after a rollback). A failed publish is logged: pages catch up with `Last-Event-ID`.
   */
  async transact<T>(work: (tx: Executor, publish: LiveBusMessage[]) => Promise<T>): Promise<T> {
    const publish: LiveBusMessage[] = [];
    const result = await this.db.transaction((tx) => work(tx, publish));
    for (const message of publish) {
      await this.bus.publish(message).catch((err: unknown) => this.logger.warn({ err, sessionId: message.sessionId }, 'live-courses: live delivery failed'));
    }
    return result;
  }

  /** A course and its staff. @throws AppError not_found/COURSE_NOT_FOUND. */
  async course(db: Executor, courseId: string, opts: { lock?: boolean } = {}): Promise<CourseContext> {
    const course = opts.lock ? await coursesRepository.lockById(db, courseId) : await coursesRepository.findById(db, courseId);
    if (!course) throw LiveErrors.courseNotFound();
    return { course, staff: await coursesRepository.listStaff(db, [courseId]) };
  }

  /** The caller's access to a course. */
  async accessTo(db: Executor, user: AuthUser, c: CourseContext): Promise<CourseAccess> {
    return courseAccess(user, c.staff, await coursesRepository.isEnrolled(db, c.course.id, user.id));
  }

  /**
   * A session the caller may see (course staff, enrolled student, admin), optionally locked.
   * @throws AppError not_found/LIVE_SESSION_NOT_FOUND (also when the caller may not see it).
   */
  async session(db: Executor, user: AuthUser, sessionId: string, opts: { lock?: boolean } = {}): Promise<SessionContext> {
    const session = opts.lock ? await liveSessionsRepository.lockById(db, sessionId) : await liveSessionsRepository.findById(db, sessionId);
    if (!session) throw LiveErrors.sessionNotFound();
    const c = await this.course(db, session.courseId);
    const access = await this.accessTo(db, user, c);
    if (!canSee(access)) throw LiveErrors.sessionNotFound();
    return { ...c, session, access };
  }

  /** The session as the caller sees it (DESIGN 4.9 fields; the password only through `join`). */
  view(ctx: SessionContext, present: boolean): LiveSession {
    const { session: s, course } = ctx;
    return {
      id: s.id,
      courseId: s.courseId,
      courseTitle: course.title,
      courseSlug: course.slug,
      timeZone: course.timeZone,
      number: s.number,
      seriesId: s.seriesId,
      title: s.title,
      description: s.description,
      startAt: s.startAt.toISOString(),
      endAt: s.endAt.toISOString(),
      maxParticipants: s.maxParticipants,
      recordingEnabled: s.recordingEnabled,
      studentScreenShare: s.studentScreenShare,
      status: s.status as LiveSessionStatus,
      cancelReason: s.cancelReason,
      jitsiRoomName: s.jitsiRoomName,
      jitsiJoinUrl: jitsiJoinUrl(this.settings.jitsi.url, s.jitsiRoomName),
      hasRoomPassword: s.jitsiRoomPassword !== null,
      actualStartAt: s.actualStartAt?.toISOString() ?? null,
      actualEndAt: s.actualEndAt?.toISOString() ?? null,
      recordingUrl: s.recordingUrl,
      myRoles: rolesOf(ctx.access),
      amPresent: present,
    };
  }

  /** Views of several sessions for one caller (their courses loaded once, presence in one query). */
  async views(db: Executor, user: AuthUser, sessions: LiveSessionRow[]): Promise<LiveSession[]> {
    const courseIds = [...new Set(sessions.map((s) => s.courseId))];
    const courses = new Map((await coursesRepository.listByIds(db, courseIds)).map((c) => [c.id, c]));
    const staff = await coursesRepository.listStaff(db, courseIds);
    const enrolled = new Set(await coursesRepository.enrolledCourseIds(db, user.id));
    const present = await attendanceRepository.presentIn(db, user.id, sessions.filter((s) => s.status === 'live').map((s) => s.id));
    const out: LiveSession[] = [];
    for (const session of sessions) {
      const course = courses.get(session.courseId);
      if (!course) continue;
      const courseStaff = staff.filter((x) => x.courseId === course.id);
      const access = courseAccess(user, courseStaff, enrolled.has(course.id));
      if (!canSee(access)) continue;
      out.push(this.view({ session, course, staff: courseStaff, access }, present.has(session.id)));
    }
    return out;
  }

  /** Records a `live_session.*` event of the session in `tx`, for the course's audience now. */
  async record<T extends keyof typeof LIVE_SESSION_EVENTS>(
    tx: Executor,
    type: T,
    session: LiveSessionRow,
    course: CourseRow,
    time: Date,
    extra: Parameters<typeof liveSessionEvent<T>>[3],
  ): Promise<void> {
    const userIds = await coursesRepository.audience(tx, course.id);
    await this.outbox.record(tx, liveSessionEvent(type, { session, course, userIds }, time, extra));
  }
}
