import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import type { JitsiTokenResult, JoinLiveSessionResult, PresenceResult } from '../../protocol/live-courses.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { attendanceRepository, type LiveParticipantRow } from './attendance.repository.ts';
import { canJoin, courseAccess, isStaff, participantRole } from './course-access.ts';
import { coursesRepository } from './courses.repository.ts';
import { jitsiJoinUrl, signJitsiToken } from './jitsi-token.ts';
import type { LiveCore, SessionContext } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { liveSessionsRepository, type LiveSessionRow } from './live-sessions.repository.ts';
import type { AttendanceReport } from './webhooks.ts';

/**
 * Joining a live session and attendance (seed 004 §4-§5, "Sécurité"). A participant is present
 * while the join page says so (join, heartbeats; silent for `RULES_HEARTBEAT_TIMEOUT` = gone) or
 * while the Jitsi side's webhook says they are in the room; each stretch of presence is an
 * interval. Seats: students present at once, at most `maxParticipants`; instructors and
 * moderators never take one and are never refused.
 */

const isPresent = (p: Pick<LiveParticipantRow, 'pagePresent' | 'jitsiPresent'>) => p.pagePresent || p.jitsiPresent;

/**
 * Sets one presence source of a participant in a locked session, opening an interval when they
 * become present and closing it when no source remains.
 */
async function setPresence(
  tx: Executor,
  p: LiveParticipantRow,
  source: 'page' | 'jitsi',
  present: boolean,
  at: Date,
  patch: Partial<LiveParticipantRow> = {},
): Promise<LiveParticipantRow> {
  const next = { ...p, ...patch, [source === 'page' ? 'pagePresent' : 'jitsiPresent']: present };
  const updated = await attendanceRepository.update(tx, p.id, { pagePresent: next.pagePresent, jitsiPresent: next.jitsiPresent, ...patch });
  if (!isPresent(p) && isPresent(updated)) await attendanceRepository.openInterval(tx, crypto.randomUUID(), p.id, at);
  if (isPresent(p) && !isPresent(updated)) await attendanceRepository.closeInterval(tx, p.id, at);
  return updated;
}

/** The caller's participation, created on first arrival (role: the strongest the caller holds). */
async function participation(tx: Executor, ctx: SessionContext, userId: string, displayName: string, now: Date): Promise<LiveParticipantRow> {
  const existing = await attendanceRepository.find(tx, ctx.session.id, userId);
  if (existing) return existing;
  const row: LiveParticipantRow = {
    id: crypto.randomUUID(),
    liveSessionId: ctx.session.id,
    userId,
    displayName,
    role: participantRole(ctx.access)!,
    firstJoinedAt: now,
    pagePresent: false,
    jitsiPresent: false,
    lastSeenAt: null,
  };
  await attendanceRepository.insert(tx, row);
  return row;
}

/** @throws AppError forbidden/NOT_ENROLLED unless the caller may join; conflict/SESSION_NOT_LIVE unless live. */
function requireJoinable(ctx: SessionContext): void {
  if (!canJoin(ctx.access)) throw LiveErrors.notEnrolled();
  if (ctx.session.status !== 'live') throw LiveErrors.notLive(ctx.session.status);
}

/**
 * `POST …/join` (seed 004 §4 étape 2): enrolment (or instructor / moderator), live status and
 * capacity are checked under the session's row lock, so concurrent joins never overfill it on
 * PostgreSQL; the caller becomes present. Joining again while present keeps the seat.
 * @throws AppError not_found, forbidden/NOT_ENROLLED, conflict/SESSION_NOT_LIVE or SESSION_FULL.
 */
export async function joinSession(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<JoinLiveSessionResult> {
  return core.transact(async (tx) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    requireJoinable(ctx);
    let p = await participation(tx, ctx, user.id, user.name, now);
    if (p.role === 'student' && !isPresent(p)) {
      const present = await attendanceRepository.countPresentStudents(tx, sessionId);
      if (present >= ctx.session.maxParticipants) throw LiveErrors.full(ctx.session.maxParticipants);
    }
    p = await setPresence(tx, p, 'page', true, now, { lastSeenAt: now, displayName: user.name });
    return {
      jitsiJoinUrl: jitsiJoinUrl(core.settings.jitsi.url, ctx.session.jitsiRoomName),
      jitsiRoomPassword: ctx.session.jitsiRoomPassword,
      session: core.view(ctx, true),
    };
  });
}

/** `POST …/leave`: the page left the room; presence ends unless the Jitsi side still reports it. @throws AppError not_found, forbidden/NOT_A_PARTICIPANT. */
export async function leaveSession(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<PresenceResult> {
  return core.transact(async (tx) => {
    await core.session(tx, user, sessionId, { lock: true });
    const p = await attendanceRepository.find(tx, sessionId, user.id);
    if (!p) throw LiveErrors.notParticipant();
    const updated = p.pagePresent ? await setPresence(tx, p, 'page', false, now) : p;
    return { isPresent: isPresent(updated) };
  });
}

/**
 * `POST …/heartbeat` from the join page (every 15 s): the caller is still there. One statement,
 * no lock: fifty pages beating do not queue behind each other.
 * @throws AppError not_found, conflict/NOT_PRESENT when the page no longer counts as present
 *   (silent too long, left, or the session ended): it should join again.
 */
export async function heartbeat(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<PresenceResult> {
  const ctx = await core.session(core.db, user, sessionId);
  const p = await attendanceRepository.find(core.db, sessionId, user.id);
  if (!p?.pagePresent || ctx.session.status !== 'live') throw LiveErrors.notPresent();
  await attendanceRepository.update(core.db, p.id, { lastSeenAt: now });
  return { isPresent: true };
}

/**
 * `POST …/jitsi-token` (seed 004 §3 étape 1, §4 étape 2): a Jitsi JWT for someone allowed in now —
 * the session live, the caller present (joined through `…/join`, so capacity holds) — with
 * moderator rights for instructors and course moderators only (DESIGN 4.9).
 * @throws AppError not_found, forbidden/NOT_ENROLLED, conflict/SESSION_NOT_LIVE, NOT_PRESENT, SESSION_OVER.
 */
export async function jitsiToken(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<JitsiTokenResult> {
  const ctx = await core.session(core.db, user, sessionId);
  requireJoinable(ctx);
  const p = await attendanceRepository.find(core.db, sessionId, user.id);
  if (!p || !isPresent(p)) throw LiveErrors.notPresent();
  const { session } = ctx;
  if (now.getTime() >= session.endAt.getTime() + core.settings.token.marginMs) throw LiveErrors.tooLate();
  const moderator = isStaff(ctx.access);
  const { jwt, expiresAt } = await signJitsiToken(core.settings.token, {
    room: session.jitsiRoomName,
    user: { id: user.id, name: user.name, email: user.email, avatar: null },
    moderator,
    scheduledEndAt: session.endAt,
    now,
  });
  const tenant = new URL(core.settings.jitsi.url).pathname.replace(/^\/+|\/+$/g, '');
  return {
    jwt,
    jitsiJoinUrl: jitsiJoinUrl(core.settings.jitsi.url, session.jitsiRoomName),
    expiresAt: expiresAt.toISOString(),
    roomName: tenant ? `${tenant}/${session.jitsiRoomName}` : session.jitsiRoomName,
    moderator,
  };
}

/** What became of a webhook delivery. */
export type ReportOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * Applies an attendance report of the Jitsi side (webhook) to the same records as the page's:
 * once per delivery key (recorded in the same transaction), only for a live session's room and
 * for someone who may join it; the time is the report's, kept within the session's live span.
 */
export async function applyAttendanceReport(core: LiveCore, report: AttendanceReport, now: Date): Promise<ReportOutcome> {
  return core.transact(async (tx) => {
    if (!(await liveSessionsRepository.recordDelivery(tx, report.key, now))) return 'duplicate';
    const found = await liveSessionsRepository.findByRoom(tx, report.room);
    const session = found && (await liveSessionsRepository.lockById(tx, found.id));
    if (!session || session.status !== 'live') return 'ignored';
    const c = await core.course(tx, session.courseId);
    // The webhook carries no platform roles: someone listed as instructor joined with an instructor's token.
    const access = courseAccess({ id: report.userId, roles: ['instructor'] }, c.staff, await coursesRepository.isEnrolled(tx, c.course.id, report.userId));
    if (!canJoin(access)) return 'ignored';
    const at = clampToLive(report.at, session, now);
    const ctx: SessionContext = { ...c, session, access };
    const p = await participation(tx, ctx, report.userId, report.displayName || report.userId, at);
    if (p.jitsiPresent !== (report.kind === 'joined')) await setPresence(tx, p, 'jitsi', report.kind === 'joined', at);
    return 'applied';
  });
}

function clampToLive(at: Date, s: LiveSessionRow, now: Date): Date {
  const min = s.actualStartAt?.getTime() ?? now.getTime();
  return new Date(Math.min(Math.max(at.getTime(), min), now.getTime()));
}

/** Participants handled per sweep; the next run takes the rest. */
const BATCH = 500;

/**
 * The silence sweep: a page that sent nothing for `RULES_HEARTBEAT_TIMEOUT` no longer counts as
 * present; its interval closes at its last sign of life (unless the Jitsi side still reports the
 * participant). Safe on several instances (`FOR UPDATE SKIP LOCKED`). @returns how many pages went quiet.
 */
export async function sweepSilentPages(core: LiveCore, now: Date): Promise<number> {
  return core.transact(async (tx) => {
    const silent = await attendanceRepository.claimSilent(tx, new Date(now.getTime() - core.settings.heartbeatTimeoutMs), BATCH);
    for (const p of silent) await setPresence(tx, p, 'page', false, p.lastSeenAt ?? now);
    return silent.length;
  });
}
