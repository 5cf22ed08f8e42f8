import type { Course, CourseRole, Enrolment, PutCourseBody } from '../../protocol/live-courses.ts';
import { isUniqueViolation } from '../../db/locks.ts';
import { requireAdmin, type AuthUser } from '../auth/auth.service.ts';
import { canSee, courseAccess, rolesOf, type CourseAccess, type StaffEntry } from './course-access.ts';
import { coursesRepository } from './courses.repository.ts';
import type { CourseContext, LiveCore } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { isTimeZone } from './series.ts';

/**
 * The course-service seam (DESIGN 4.9): the minimal course data live sessions need, maintained by
 * admins through `PUT /api/courses/{id}` and `PUT|DELETE /api/courses/{id}/enrolments/{userId}`.
 * These three calls are the whole write surface, so a consumer of the course service's events can
 * replace them later by calling `putCourse`/`enrol`/`unenrol` with the same data.
 */

function courseView(c: CourseContext, access: CourseAccess | null): Course {
  const ids = (role: StaffEntry['role']) => c.staff.filter((s) => s.role === role).map((s) => s.userId);
  const myRoles: CourseRole[] = access ? rolesOf(access) : [];
  return {
    id: c.course.id,
    title: c.course.title,
    slug: c.course.slug,
    timeZone: c.course.timeZone,
    instructorIds: ids('instructor'),
    moderatorIds: ids('moderator'),
    myRoles,
    createdAt: c.course.createdAt.toISOString(),
    updatedAt: c.course.updatedAt.toISOString(),
  };
}

/**
 * Creates or replaces a course (admins): title, slug, time zone, instructors, moderators.
 * @throws AppError forbidden/ADMIN_ONLY, validation/INVALID_TIME_ZONE, conflict/COURSE_SLUG_TAKEN.
 */
export async function putCourse(core: LiveCore, user: AuthUser, courseId: string, body: PutCourseBody, now: Date): Promise<{ course: Course; created: boolean }> {
  requireAdmin(user, 'manage courses');
  if (!isTimeZone(body.timeZone)) throw LiveErrors.invalidTimeZone(body.timeZone);
  const staff: StaffEntry[] = [
    ...body.instructorIds.map((userId) => ({ userId, role: 'instructor' as const })),
    ...(body.moderatorIds ?? []).map((userId) => ({ userId, role: 'moderator' as const })),
  ];
  try {
    return await core.db.transaction(async (tx) => {
      const existing = await coursesRepository.lockById(tx, courseId);
      const other = await coursesRepository.findBySlug(tx, body.slug);
      if (other && other.id !== courseId) throw LiveErrors.slugTaken();
      await coursesRepository.upsert(tx, { id: courseId, title: body.title, slug: body.slug, timeZone: body.timeZone, createdAt: existing?.createdAt ?? now, updatedAt: now });
      await coursesRepository.replaceStaff(tx, courseId, staff);
      const c = await core.course(tx, courseId);
      return { course: courseView(c, await core.accessTo(tx, user, c)), created: !existing };
    });
  } catch (err) {
    // Two admins creating courses with one slug at once: the unique index decides.
    if (isUniqueViolation(err)) throw LiveErrors.slugTaken();
    throw err;
  }
}

/** A course the caller has a part in (or any, for admins). @throws AppError not_found/COURSE_NOT_FOUND. */
export async function getCourse(core: LiveCore, user: AuthUser, courseId: string): Promise<Course> {
  const c = await core.course(core.db, courseId);
  const access = await core.accessTo(core.db, user, c);
  if (!canSee(access)) throw LiveErrors.courseNotFound();
  return courseView(c, access);
}

/** The courses the caller teaches, moderates or is enrolled in, by title. */
export async function myCourses(core: LiveCore, user: AuthUser): Promise<Course[]> {
  const ids = [...new Set([...(await coursesRepository.staffCourseIds(core.db, user.id)), ...(await coursesRepository.enrolledCourseIds(core.db, user.id))])];
  const rows = await coursesRepository.listByIds(core.db, ids);
  const staff = await coursesRepository.listStaff(core.db, ids);
  const enrolled = new Set(await coursesRepository.enrolledCourseIds(core.db, user.id));
  return rows.map((course) => {
    const c = { course, staff: staff.filter((s) => s.courseId === course.id) };
    return courseView(c, courseAccess(user, c.staff, enrolled.has(course.id)));
  });
}

/** Enrols a student (admins); enrolling again keeps the first date. @throws AppError forbidden/ADMIN_ONLY, not_found/COURSE_NOT_FOUND. */
export async function enrol(core: LiveCore, user: AuthUser, courseId: string, userId: string, now: Date): Promise<Enrolment> {
  requireAdmin(user, 'manage enrolments');
  await core.course(core.db, courseId);
  const row = await coursesRepository.enrol(core.db, courseId, userId, now);
  return { courseId, userId, enrolledAt: row.enrolledAt.toISOString() };
}

/** Ends an enrolment (admins). @throws AppError forbidden/ADMIN_ONLY, not_found/COURSE_NOT_FOUND or ENROLMENT_NOT_FOUND. */
export async function unenrol(core: LiveCore, user: AuthUser, courseId: string, userId: string): Promise<void> {
  requireAdmin(user, 'manage enrolments');
  await core.course(core.db, courseId);
  if (!(await coursesRepository.unenrol(core.db, courseId, userId))) throw LiveErrors.enrolmentNotFound();
}
