import type { CourseRole, LiveSessionStats } from '../../protocol/live-courses.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { average, presenceSeconds } from './attendance.ts';
import { chatRepository } from './chat.repository.ts';
import { isStaff } from './course-access.ts';
import type { LiveCore } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';

/**
 * A session's statistics (seed 004 §6): total duration (start to end, or to now while live),
 * attendees other than the course's instructors with their mean presence, questions asked and
 * answered, the recording URL, and each participant's intervals. For the course's staff and admins.
 * @throws AppError not_found, forbidden/NOT_COURSE_STAFF.
 */
export async function sessionStats(core: LiveCore, user: AuthUser, sessionId: string, now: Date): Promise<LiveSessionStats> {
  const ctx = await core.session(core.db, user, sessionId);
  if (!isStaff(ctx.access) && !ctx.access.admin) throw LiveErrors.notStaff();
  const s = ctx.session;
  const until = s.actualEndAt ?? now;
  const people = await attendanceRepository.listParticipants(core.db, sessionId);
  const intervals = await attendanceRepository.listIntervals(core.db, people.map((p) => p.id));
  const participants = people.map((p) => {
    const mine = intervals.filter((i) => i.participantId === p.id);
    return {
      userId: p.userId,
      displayName: p.displayName,
      role: p.role as CourseRole,
      isPresent: s.status === 'live' && (p.pagePresent || p.jitsiPresent),
      presenceSeconds: presenceSeconds(mine, until),
      intervals: mine.map((i) => ({ joinedAt: i.joinedAt.toISOString(), leftAt: i.leftAt?.toISOString() ?? null })),
    };
  });
  const audience = participants.filter((p) => p.role !== 'instructor' && p.intervals.length > 0);
  const questions = await chatRepository.questionCounts(core.db, sessionId);
  return {
    totalDurationSeconds: s.actualStartAt ? Math.max(0, Math.floor((until.getTime() - s.actualStartAt.getTime()) / 1000)) : 0,
    participantCount: audience.length,
    averagePresenceSeconds: average(audience.map((p) => p.presenceSeconds)),
    questionCount: questions.asked,
    answeredCount: questions.answered,
    recordingUrl: s.recordingUrl,
    participants,
  };
}
