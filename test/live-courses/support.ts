import assert from 'node:assert/strict';
import type { TestApp, TestUser } from '../helpers/harness.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The people of a course for the live-course tests (DESIGN 4.9 roles). */
export interface CourseCast {
  courseId: string;
  admin: TestUser;
  /** Listed in instructorIds and holding the JWT role `instructor`. */
  instructor: TestUser;
  /** Listed in moderatorIds. */
  moderator: TestUser;
  /** Enrolled. */
  student: TestUser;
  /** Neither listed nor enrolled. */
  other: TestUser;
}

let courses = 0;

/**
 * Creates a course through the admin API (`PUT /api/courses/{id}`) with an instructor and a
 * moderator, and enrols one student.
 */
export async function createCourse(t: TestApp, opts: { timeZone?: string; tag?: string } = {}): Promise<CourseCast> {
  const n = ++courses;
  const tag = opts.tag ?? `c${n}`;
  const admin = await t.user(`Admin ${tag}`, { admin: true });
  const instructor = await t.user(`Ines Instructor ${tag}`, { roles: ['instructor'], email: `ines-${tag}@example.com` });
  const moderator = await t.user(`Mo Moderator ${tag}`);
  const student = await t.user(`Sam Student ${tag}`);
  const other = await t.user(`Olga Other ${tag}`);
  const courseId = `course-${tag}`;
  const put = await t.app.inject({
    method: 'PUT',
    url: `/api/courses/${courseId}`,
    headers: admin.headers,
    payload: { title: `Governance ${tag}`, slug: `governance-${tag}`, timeZone: opts.timeZone ?? 'Europe/Paris', instructorIds: [instructor.id], moderatorIds: [moderator.id] },
  });
  assert.equal(put.statusCode, 201, put.body);
  const enrol = await t.app.inject({ method: 'PUT', url: `/api/courses/${courseId}/enrolments/${student.id}`, headers: admin.headers });
  assert.equal(enrol.statusCode, 200, enrol.body);
  return { courseId, admin, instructor, moderator, student, other };
}

/** Schedules one session (by default starting now, one hour long) as the course's instructor. */
export async function createSession(t: TestApp, cast: CourseCast, body: Json = {}): Promise<Json> {
  const start = new Date(t.clock.now().getTime());
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/courses/${cast.courseId}/live-sessions`,
    headers: cast.instructor.headers,
    payload: { title: 'Session 1: Introduction', startAt: start.toISOString(), endAt: new Date(start.getTime() + 3_600_000).toISOString(), ...body },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().items[0];
}

/** `POST` as a user (or anonymously with `null`). */
export function post(t: TestApp, u: TestUser | null, url: string, payload: Json = {}) {
  return t.app.inject({ method: 'POST', url, headers: u?.headers ?? {}, payload });
}

export function get(t: TestApp, u: TestUser | null, url: string) {
  return t.app.inject({ method: 'GET', url, headers: u?.headers ?? {} });
}

/** Starts a session as its instructor. */
export async function startSession(t: TestApp, cast: CourseCast, id: string): Promise<Json> {
  const res = await post(t, cast.instructor, `/api/live-sessions/${id}/start`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** Joins a session. */
export async function join(t: TestApp, u: TestUser, id: string): Promise<Json> {
  const res = await post(t, u, `/api/live-sessions/${id}/join`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}
