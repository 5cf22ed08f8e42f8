import type { Executor } from '../../db/client.ts';
import type {
  ChatMessage,
  ChatPage,
  Course,
  CreateLiveSessionBody,
  Enrolment,
  JitsiClientConfig,
  JitsiTokenResult,
  JoinLiveSessionResult,
  LiveSession,
  LiveSessionStats,
  PostChatBody,
  PresenceResult,
  PutCourseBody,
  UpdateLiveSessionBody,
} from '../../protocol/live-courses.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import { deleteMessage, listMessages, markAnswered, openStream, postMessage, type ChatStream } from './chat.ts';
import { enrol, getCourse, myCourses, putCourse, unenrol } from './courses-admin.ts';
import { jitsiHost } from './jitsi-token.ts';
import { applyAttendanceReport, heartbeat, jitsiToken, joinSession, leaveSession, sweepSilentPages, type ReportOutcome } from './join-session.ts';
import type { LiveBus, LiveBusMessage } from './live-bus.ts';
import { LiveCore, type LiveSettings } from './live-core.ts';
import { applyRecording, eraseUser, sendDueReminders } from './live-courses.jobs.ts';
import { endOverrunningSessions, endSession, startSession } from './run-session.ts';
import { cancelSession, createSessions, updateSession } from './schedule-sessions.ts';
import { calendarSessions, getSession, listCourseSessions, listMySessions, type CalendarSession } from './session-reads.ts';
import { sessionStats } from './stats.ts';
import type { AttendanceReport } from './webhooks.ts';

export type { LiveSettings } from './live-core.ts';
export type { CalendarSession } from './session-reads.ts';
export type { ChatStream } from './chat.ts';
export type { LiveBusMessage } from './live-bus.ts';
export type { ReportOutcome } from './join-session.ts';

/** What the live-courses module is built from (the container wires it). */
export interface LiveCoursesDeps {
  db: Executor;
  outbox: OutboxService;
  bus: LiveBus;
  settings: LiveSettings;
  logger: Logger;
}

/**
 * The live-courses module's entry point (seed 004, DESIGN 4.9): routes, jobs and the calendar
 * module call it, never its repositories. Each user action is a use case in a file named after
 * it: `courses-admin.ts` (the course-service seam), `schedule-sessions.ts` (create, series,
 * edit, cancel), `run-session.ts` (start, end, auto-end), `join-session.ts` (join, leave,
 * heartbeat, Jitsi token, attendance webhooks), `chat.ts`, `stats.ts`, `session-reads.ts`,
 * `live-courses.jobs.ts` (reminders, recording webhook, erasure). Times are passed in (`now`).
 */
export class LiveCoursesService {
  private readonly core: LiveCore;

  constructor(deps: LiveCoursesDeps) {
    this.core = new LiveCore(deps.db, deps.outbox, deps.bus, deps.settings, deps.logger);
  }

  /** `PUT /api/courses/{id}` (admins). @throws AppError forbidden, validation, conflict. */
  putCourse(user: AuthUser, courseId: string, body: PutCourseBody, now: Date): Promise<{ course: Course; created: boolean }> {
    return putCourse(this.core, user, courseId, body, now);
  }
  /** `GET /api/courses/{id}`. @throws AppError not_found. */
  getCourse(user: AuthUser, courseId: string): Promise<Course> {
    return getCourse(this.core, user, courseId);
  }
  /** `GET /api/courses/mine`. */
  myCourses(user: AuthUser): Promise<Course[]> {
    return myCourses(this.core, user);
  }
  /** `PUT /api/courses/{id}/enrolments/{userId}` (admins). @throws AppError forbidden, not_found. */
  enrol(user: AuthUser, courseId: string, userId: string, now: Date): Promise<Enrolment> {
    return enrol(this.core, user, courseId, userId, now);
  }
  /** `DELETE /api/courses/{id}/enrolments/{userId}` (admins). @throws AppError forbidden, not_found. */
  unenrol(user: AuthUser, courseId: string, userId: string): Promise<void> {
    return unenrol(this.core, user, courseId, userId);
  }

  /** `POST /api/courses/{id}/live-sessions`. @throws AppError not_found, forbidden, validation. */
  createSessions(user: AuthUser, courseId: string, body: CreateLiveSessionBody, now: Date): Promise<LiveSession[]> {
    return createSessions(this.core, user, courseId, body, now);
  }
  /** `GET /api/courses/{id}/live-sessions`. @throws AppError not_found. */
  listCourseSessions(user: AuthUser, courseId: string): Promise<LiveSession[]> {
    return listCourseSessions(this.core, user, courseId);
  }
  /** `GET /api/live-sessions?status=`. */
  listMySessions(user: AuthUser, phase: 'upcoming' | 'live' | 'past' | undefined, now: Date): Promise<LiveSession[]> {
    return listMySessions(this.core, user, phase, now);
  }
  /** `GET /api/live-sessions/{id}`. @throws AppError not_found. */
  getSession(user: AuthUser, sessionId: string): Promise<LiveSession> {
    return getSession(this.core, user, sessionId);
  }
  /** `PATCH /api/live-sessions/{id}`. @throws AppError not_found, forbidden, conflict, validation. */
  updateSession(user: AuthUser, sessionId: string, body: UpdateLiveSessionBody, now: Date): Promise<LiveSession> {
    return updateSession(this.core, user, sessionId, body, now);
  }
  /** `POST /api/live-sessions/{id}/cancel`. @throws AppError not_found, forbidden, conflict. */
  cancel(user: AuthUser, sessionId: string, reason: string, now: Date): Promise<LiveSession> {
    return cancelSession(this.core, user, sessionId, reason, now);
  }
  /** `POST /api/live-sessions/{id}/start`. @throws AppError not_found, forbidden, conflict. */
  start(user: AuthUser, sessionId: string, now: Date): Promise<LiveSession> {
    return startSession(this.core, user, sessionId, now);
  }
  /** `POST /api/live-sessions/{id}/end`. @throws AppError not_found, forbidden, conflict. */
  end(user: AuthUser, sessionId: string, now: Date): Promise<LiveSession> {
    return endSession(this.core, user, sessionId, now);
  }

  /** `POST /api/live-sessions/{id}/join`. @throws AppError not_found, forbidden, conflict. */
  join(user: AuthUser, sessionId: string, now: Date): Promise<JoinLiveSessionResult> {
    return joinSession(this.core, user, sessionId, now);
  }
  /** `POST /api/live-sessions/{id}/leave`. @throws AppError not_found, forbidden. */
  leave(user: AuthUser, sessionId: string, now: Date): Promise<PresenceResult> {
    return leaveSession(this.core, user, sessionId, now);
  }
  /** `POST /api/live-sessions/{id}/heartbeat`. @throws AppError not_found, conflict/NOT_PRESENT. */
  heartbeat(user: AuthUser, sessionId: string, now: Date): Promise<PresenceResult> {
    return heartbeat(this.core, user, sessionId, now);
  }
  /** `POST /api/live-sessions/{id}/jitsi-token`. @throws AppError not_found, forbidden, conflict. */
  jitsiToken(user: AuthUser, sessionId: string, now: Date): Promise<JitsiTokenResult> {
    return jitsiToken(this.core, user, sessionId, now);
  }
  /** `GET /api/jitsi/config`: what the join page needs to load the IFrame API. */
  jitsiClientConfig(): JitsiClientConfig {
    const url = this.core.settings.jitsi.url.replace(/\/+$/, '');
    return { url, domain: jitsiHost(url), externalApiUrl: `${new URL(url).origin}/external_api.js` };
  }
  /** `GET /api/live-sessions/{id}/stats`. @throws AppError not_found, forbidden. */
  stats(user: AuthUser, sessionId: string, now: Date): Promise<LiveSessionStats> {
    return sessionStats(this.core, user, sessionId, now);
  }

  /** `POST /api/live-sessions/{id}/chat`. @throws AppError not_found, forbidden, conflict, validation, rate_limited. */
  postMessage(user: AuthUser, sessionId: string, body: PostChatBody, now: Date): Promise<ChatMessage> {
    return postMessage(this.core, user, sessionId, body, now);
  }
  /** `GET /api/live-sessions/{id}/chat`. @throws AppError not_found, forbidden. */
  listMessages(user: AuthUser, sessionId: string, after: number, limit: number): Promise<ChatPage> {
    return listMessages(this.core, user, sessionId, after, limit);
  }
  /** `POST /api/live-sessions/{id}/chat/{messageId}/answered`. @throws AppError not_found, forbidden, conflict. */
  markAnswered(user: AuthUser, sessionId: string, messageId: string, answered: boolean): Promise<ChatMessage> {
    return markAnswered(this.core, user, sessionId, messageId, answered);
  }
  /** `DELETE /api/live-sessions/{id}/chat/{messageId}`. @throws AppError not_found, forbidden. */
  deleteMessage(user: AuthUser, sessionId: string, messageId: string, now: Date): Promise<ChatMessage> {
    return deleteMessage(this.core, user, sessionId, messageId, now);
  }
  /** `GET /api/live-sessions/{id}/chat/stream`. @throws AppError not_found, forbidden. */
  openStream(user: AuthUser, sessionId: string, afterSeq: number, send: (m: LiveBusMessage) => void): Promise<ChatStream> {
    return openStream(this.core, user, sessionId, afterSeq, send);
  }

  /** An attendance report of the Jitsi side (webhook). */
  applyAttendanceReport(report: AttendanceReport, now: Date): Promise<ReportOutcome> {
    return applyAttendanceReport(this.core, report, now);
  }
  /** A recording's URL from the recording webhook. */
  applyRecording(report: { key: string; room: string; url: string }, now: Date): Promise<ReportOutcome> {
    return applyRecording(this.core, report, now);
  }

  /** Live sessions for a user's calendar (`calendar` module). */
  calendarSessions(userId: string, range: { from: Date; to: Date }): Promise<CalendarSession[]> {
    return calendarSessions(this.core, userId, range);
  }

  /** Sweeps of the shared runner: reminders, silent pages, auto-end. */
  sendDueReminders(now: Date): Promise<string[]> {
    return sendDueReminders(this.core, now);
  }
  sweepSilentPages(now: Date): Promise<number> {
    return sweepSilentPages(this.core, now);
  }
  endOverrunning(now: Date): Promise<string[]> {
    return endOverrunningSessions(this.core, now);
  }

  /** The module's share of a user's erasure, in the erasure's transaction. */
  eraseUser(tx: Executor, userId: string): Promise<void> {
    return eraseUser(tx, userId);
  }
}
