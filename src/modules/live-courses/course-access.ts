import type { CourseRole } from '../../protocol/live-courses.ts';
import { isAdmin, type AuthUser } from '../auth/auth.service.ts';

/** A course's staff entry: `instructor` or `moderator` (DESIGN 4.9 `instructorIds`, `moderatorIds`). */
export interface StaffEntry {
  userId: string;
  role: 'instructor' | 'moderator';
}

/**
 * What a user may do in a course (DESIGN 4.9, seed 004 "Sécurité"):
 * - `instructor`: listed in `instructorIds` AND holding the JWT role `instructor` — manages the
 *   course's sessions, moderates the chat, is a Jitsi moderator;
 * - `moderator`: listed in `moderatorIds` — joins without enrolment, is a Jitsi moderator, moderates the chat;
 * - `student`: enrolled — sees the sessions, joins them while live;
 * - `admin` (JWT role): manages courses and enrolments, reads sessions and their statistics.
 * Someone listed as instructor without the JWT role gets no instructor rights.
 */
export interface CourseAccess {
  instructor: boolean;
  moderator: boolean;
  student: boolean;
  admin: boolean;
}

/** The access of `user` to a course with `staff` and the user's enrolment. */
export function courseAccess(user: Pick<AuthUser, 'id' | 'roles'>, staff: readonly StaffEntry[], enrolled: boolean): CourseAccess {
  const listed = (role: StaffEntry['role']) => staff.some((s) => s.userId === user.id && s.role === role);
  return {
    instructor: listed('instructor') && user.roles.includes('instructor'),
    moderator: listed('moderator'),
    student: enrolled,
    admin: isAdmin(user),
  };
}

/** Anyone with a part in the course, or an admin, sees its sessions. */
export const canSee = (a: CourseAccess): boolean => a.instructor || a.moderator || a.student || a.admin;
/** Joining a live session: instructors, course moderators, enrolled students (not admins as such). */
export const canJoin = (a: CourseAccess): boolean => a.instructor || a.moderator || a.student;
/** Chat moderation and statistics: the people running the session. */
export const isStaff = (a: CourseAccess): boolean => a.instructor || a.moderator;

/** The caller's roles in a course, strongest first (`myRoles`). */
export function rolesOf(a: CourseAccess): CourseRole[] {
  const roles: CourseRole[] = [];
  if (a.instructor) roles.push('instructor');
  if (a.moderator) roles.push('moderator');
  if (a.student) roles.push('student');
  return roles;
}

/** The role a participant joins with: the strongest they hold. @returns null when they may not join. */
export function participantRole(a: CourseAccess): CourseRole | null {
  return rolesOf(a)[0] ?? null;
}
