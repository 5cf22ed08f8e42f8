import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { courseEnrolments, courseStaff, courses } from '../../db/schema.ts';
import type { StaffEntry } from './course-access.ts';

export type CourseRow = typeof courses.$inferSelect;
export type EnrolmentRow = typeof courseEnrolments.$inferSelect;

/** SQL of courses, their staff and enrolments (the course-service seam, DESIGN 4.9). */
export const coursesRepository = {
  /** Creates or replaces a course's own fields (its session count is kept). */
  async upsert(db: Executor, row: Omit<CourseRow, 'sessionCount'>): Promise<void> {
    await db
      .insert(courses)
      .values({ ...row, sessionCount: 0 })
      .onConflictDoUpdate({ target: courses.id, set: { title: row.title, slug: row.slug, timeZone: row.timeZone, updatedAt: row.updatedAt } });
  },

  async findById(db: Executor, id: string): Promise<CourseRow | undefined> {
    const [row] = await db.select().from(courses).where(eq(courses.id, id));
    return row;
  },

  async findBySlug(db: Executor, slug: string): Promise<CourseRow | undefined> {
    const [row] = await db.select().from(courses).where(eq(courses.slug, slug));
    return row;
  },

  async lockById(db: Executor, id: string): Promise<CourseRow | undefined> {
    const [row] = await db.select().from(courses).where(eq(courses.id, id)).for('update');
    return row;
  },

  async listByIds(db: Executor, ids: string[]): Promise<CourseRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(courses).where(inArray(courses.id, ids)).orderBy(asc(courses.title), asc(courses.id));
  },

  /** Replaces a course's staff with `staff`. */
  async replaceStaff(db: Executor, courseId: string, staff: StaffEntry[]): Promise<void> {
    await db.delete(courseStaff).where(eq(courseStaff.courseId, courseId));
    if (staff.length) await db.insert(courseStaff).values(staff.map((s) => ({ courseId, userId: s.userId, role: s.role })));
  },

  async listStaff(db: Executor, courseIds: string[]): Promise<(StaffEntry & { courseId: string })[]> {
    if (courseIds.length === 0) return [];
    const rows = await db.select().from(courseStaff).where(inArray(courseStaff.courseId, courseIds)).orderBy(asc(courseStaff.userId));
    return rows.map((r) => ({ courseId: r.courseId, userId: r.userId, role: r.role as StaffEntry['role'] }));
  },

  async isEnrolled(db: Executor, courseId: string, userId: string): Promise<boolean> {
    const [row] = await db
      .select({ one: sql<number>`1` })
      .from(courseEnrolments)
      .where(and(eq(courseEnrolments.courseId, courseId), eq(courseEnrolments.userId, userId)));
    return row !== undefined;
  },

  /** Courses `userId` is enrolled in, among `courseIds` (all of them when null). */
  async enrolledCourseIds(db: Executor, userId: string): Promise<string[]> {
    const rows = await db.select({ id: courseEnrolments.courseId }).from(courseEnrolments).where(eq(courseEnrolments.userId, userId));
    return rows.map((r) => r.id);
  },

  async staffCourseIds(db: Executor, userId: string): Promise<string[]> {
    const rows = await db.selectDistinct({ id: courseStaff.courseId }).from(courseStaff).where(eq(courseStaff.userId, userId));
    return rows.map((r) => r.id);
  },

  /** Enrols a user; an existing enrolment is kept as it was. @returns the enrolment. */
  async enrol(db: Executor, courseId: string, userId: string, at: Date): Promise<EnrolmentRow> {
    await db.insert(courseEnrolments).values({ courseId, userId, enrolledAt: at }).onConflictDoNothing();
    const [row] = await db.select().from(courseEnrolments).where(and(eq(courseEnrolments.courseId, courseId), eq(courseEnrolments.userId, userId)));
    return row!;
  },

  /** @returns true when an enrolment was removed. */
  async unenrol(db: Executor, courseId: string, userId: string): Promise<boolean> {
    const rows = await db
      .delete(courseEnrolments)
      .where(and(eq(courseEnrolments.courseId, courseId), eq(courseEnrolments.userId, userId)))
      .returning({ userId: courseEnrolments.userId });
    return rows.length > 0;
  },

  /** Everyone a course's notifications are for: staff and enrolled students, each once, sorted. */
  async audience(db: Executor, courseId: string): Promise<string[]> {
    const rows = await db.execute(sql`
      select user_id from course_staff where course_id = ${courseId}
      union select user_id from course_enrolments where course_id = ${courseId}
      order by 1`);
    return (rows as unknown as { rows: { user_id: string }[] }).rows.map((r) => r.user_id);
  },

  /** Reserves `n` session numbers of a locked course. @returns the first. */
  async takeSessionNumbers(db: Executor, courseId: string, n: number): Promise<number> {
    const [row] = await db
      .update(courses)
      .set({ sessionCount: sql`${courses.sessionCount} + ${n}` })
      .where(eq(courses.id, courseId))
      .returning({ count: courses.sessionCount });
    return row!.count - n + 1;
  },

  /** Erasure: the user's enrolments and staff places. */
  async eraseUser(db: Executor, userId: string): Promise<void> {
    await db.delete(courseEnrolments).where(eq(courseEnrolments.userId, userId));
    await db.delete(courseStaff).where(eq(courseStaff.userId, userId));
  },
};
