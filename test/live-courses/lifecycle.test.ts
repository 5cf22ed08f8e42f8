import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DateTime } from 'luxon';
import { outboxSettled } from '../helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { createCourse, createSession, get, join, post, startSession, type CourseCast } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Live sessions (seed 004 §1-§3, §6, "États d'une Session", DESIGN 4.9): the authorisation
 * matrix of every route (instructor, course moderator, enrolled student, other student, admin,
 * anonymous), the lifecycle with its 409s, weekly series across a DST change, room names, the
 * auto-end sweep and the `live_session.*` events.
 */
describe('live sessions: lifecycle and authorisation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const events = async (type: string, sessionId: string): Promise<Json[]> => {
    await outboxSettled(t.database.db);
    const admin = await t.user('Events Admin', { admin: true });
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/events?limit=500', headers: admin.headers });
    return (res.json().items as Json[]).filter((e) => e.type === type && e.subject === sessionId);
  };
  const send = (method: string, u: TestUser | null, url: string, payload?: Json) =>
    t.app.inject({ method: method as 'GET', url, headers: u?.headers ?? {}, ...(payload ? { payload } : {}) });

  test('the authorisation matrix of every route', async () => {
    const cast = await createCourse(t, { tag: 'matrix' });
    const { instructor: I, moderator: M, student: S, other: O, admin: A } = cast;
    const actors: [string, TestUser | null][] = [['instructor', I], ['moderator', M], ['student', S], ['other', O], ['admin', A], ['anonymous', null]];
    const c = `/api/courses/${cast.courseId}`;
    const s = await createSession(t, cast);
    const spare = await createSession(t, cast, { title: 'To cancel' });
    const L = `/api/live-sessions/${s.id}`;
    const bystander = await t.user('Bystander');

    /** Expected status per actor, in the order of `actors`. */
    const check = async (label: string, expected: number[], call: (u: TestUser | null, i: number) => Promise<{ statusCode: number; body: string }>) => {
      const got: number[] = [];
      for (const [i, [, u]] of actors.entries()) got.push((await call(u, i)).statusCode);
      assert.deepEqual(
        Object.fromEntries(actors.map(([name], i) => [name, got[i]])),
        Object.fromEntries(actors.map(([name], i) => [name, expected[i]])),
        label,
      );
    };
    const course = { title: 'Governance matrix', slug: 'governance-matrix', timeZone: 'Europe/Paris', instructorIds: [I.id], moderatorIds: [M.id] };
    //                                   I    M    S    O    A    anon
    await check('PUT course', [403, 403, 403, 403, 200, 401], (u) => send('PUT', u, c, course));
    await check('GET courses/mine', [200, 200, 200, 200, 200, 401], (u) => get(t, u, '/api/courses/mine'));
    await check('GET course', [200, 200, 200, 404, 200, 401], (u) => get(t, u, c));
    await check('PUT enrolment', [403, 403, 403, 403, 200, 401], (u) => send('PUT', u, `${c}/enrolments/${bystander.id}`));
    await check('DELETE enrolment', [403, 403, 403, 403, 204, 401], (u) => send('DELETE', u, `${c}/enrolments/${bystander.id}`));
    const schedule = { title: 'Extra', startAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(), endAt: new Date(t.clock.now().getTime() + 90_000_000).toISOString() };
    await check('POST live-sessions', [201, 403, 403, 404, 403, 401], (u) => post(t, u, `${c}/live-sessions`, schedule));
    await check('GET course live-sessions', [200, 200, 200, 404, 200, 401], (u) => get(t, u, `${c}/live-sessions`));
    await check('GET my live-sessions', [200, 200, 200, 200, 200, 401], (u) => get(t, u, '/api/live-sessions?status=upcoming'));
    await check('GET live-session', [200, 200, 200, 404, 200, 401], (u) => get(t, u, L));
    await check('PATCH live-session', [200, 403, 403, 404, 403, 401], (u) => send('PATCH', u, L, { description: 'Read chapter 1 first' }));
    await check('GET jitsi config', [200, 200, 200, 200, 200, 401], (u) => get(t, u, '/api/jitsi/config'));
    // Before the start: joining and tokens are refused to everyone, for the state.
    await check('join before live', [409, 409, 409, 404, 403, 401], (u) => post(t, u, `${L}/join`));
    await check('start', [200, 403, 403, 404, 403, 401], (u) => post(t, u, `${L}/start`));
    await check('join', [200, 200, 200, 404, 403, 401], (u) => post(t, u, `${L}/join`));
    await check('heartbeat', [200, 200, 200, 404, 409, 401], (u) => post(t, u, `${L}/heartbeat`));
    await check('jitsi-token', [200, 200, 200, 404, 403, 401], (u) => post(t, u, `${L}/jitsi-token`));
    const posted: Json[] = [];
    await check('chat post', [201, 201, 201, 404, 403, 401], async (u) => {
      const res = await post(t, u, `${L}/chat`, { type: 'question', text: `Question from ${u?.name ?? 'nobody'}` });
      if (res.statusCode === 201) posted.push(res.json());
      return res;
    });
    await check('chat read', [200, 200, 200, 404, 200, 401], (u) => get(t, u, `${L}/chat`));
    await check('chat answered', [200, 200, 403, 404, 403, 401], (u, i) => post(t, u, `${L}/chat/${posted[0]!.id}/answered`, { answered: i % 2 === 0 }));
    await check('chat delete', [200, 404, 403, 404, 403, 401], (u) => send('DELETE', u, `${L}/chat/${posted[2]!.id}`));
    await check('stats', [200, 200, 403, 404, 200, 401], (u) => get(t, u, `${L}/stats`));
    await check('leave', [200, 200, 200, 404, 403, 401], (u) => post(t, u, `${L}/leave`));
    await check('cancel', [200, 403, 403, 404, 403, 401], (u) => post(t, u, `/api/live-sessions/${spare.id}/cancel`, { reason: 'Instructor ill' }));
    await check('end', [200, 403, 403, 404, 403, 401], (u) => post(t, u, `${L}/end`));

    // An instructor of another course, and one listed here without the JWT role, have no part in it.
    const outsider = await t.user('Other Instructor', { roles: ['instructor'] });
    assert.equal((await post(t, outsider, `${c}/live-sessions`, schedule)).statusCode, 404);
    const unroled = await t.user('Listed Only');
    assert.equal((await send('PUT', A, c, { ...course, instructorIds: [I.id, unroled.id] })).statusCode, 200);
    const refused = await post(t, unroled, `${c}/live-sessions`, schedule);
    assert.equal(refused.statusCode, 404);
    assert.equal(refused.json().error.code, 'COURSE_NOT_FOUND');
  });

  test('scheduled → live → ended, with actual times; illegal transitions are 409', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast, { description: 'Chapters 1-2', maxParticipants: 30, recordingEnabled: true });
    assert.equal(s.status, 'scheduled');
    assert.equal(s.number, 1);
    assert.equal(s.maxParticipants, 30);
    assert.equal(s.recordingEnabled, true);
    assert.match(s.jitsiRoomName, new RegExp(`^live-course-${cast.courseId}-session-1-[a-z0-9]{12}$`));
    assert.equal(s.jitsiJoinUrl, `https://meet.jit.si/${s.jitsiRoomName}`);
    const L = `/api/live-sessions/${s.id}`;
    const code = async (res: Promise<{ statusCode: number; json: () => Json }>) => {
      const r = await res;
      return `${r.statusCode} ${r.json().error?.code ?? ''}`.trim();
    };
    assert.equal(await code(post(t, cast.instructor, `${L}/end`)), '409 INVALID_SESSION_STATE');
    t.clock.advance(1000);
    const started = await startSession(t, cast, s.id);
    assert.equal(started.status, 'live');
    assert.equal(started.actualStartAt, t.clock.now().toISOString());
    assert.equal(await code(post(t, cast.instructor, `${L}/start`)), '409 INVALID_SESSION_STATE');
    assert.equal(await code(post(t, cast.instructor, `${L}/cancel`, { reason: 'x' })), '409 INVALID_SESSION_STATE');
    assert.equal(await code(send('PATCH', cast.instructor, L, { startAt: new Date(t.clock.now().getTime() + 60_000).toISOString() })), '409 NOT_EDITABLE');
    t.clock.advance(40 * 60_000);
    const ended = await post(t, cast.instructor, `${L}/end`);
    assert.equal(ended.statusCode, 200);
    assert.equal(ended.json().status, 'ended');
    assert.equal(ended.json().actualEndAt, t.clock.now().toISOString());
    assert.equal(ended.json().recordingUrl, null);
    assert.equal(await code(post(t, cast.instructor, `${L}/end`)), '409 INVALID_SESSION_STATE');
    assert.equal(await code(post(t, cast.student, `${L}/join`)), '409 SESSION_NOT_LIVE');
    // The instructor sets the recording URL afterwards; the schedule cannot change any more.
    const rec = await send('PATCH', cast.instructor, L, { recordingUrl: 'https://recordings.example.com/s1.mp4' });
    assert.equal(rec.statusCode, 200, rec.body);
    assert.equal(rec.json().recordingUrl, 'https://recordings.example.com/s1.mp4');
    const stats = (await get(t, cast.instructor, `${L}/stats`)).json();
    assert.equal(stats.totalDurationSeconds, 40 * 60);
    assert.equal(stats.recordingUrl, 'https://recordings.example.com/s1.mp4');

    const [scheduled] = await events('live_session.scheduled', s.id);
    assert.equal(scheduled.data.liveSessionId, s.id);
    assert.deepEqual(scheduled.data.userIds.sort(), [cast.instructor.id, cast.moderator.id, cast.student.id].sort());
    assert.equal((await events('live_session.started', s.id)).length, 1);
    const [endedEvent] = await events('live_session.ended', s.id);
    assert.equal(endedEvent.data.endedBy, 'instructor');
    assert.equal(endedEvent.data.durationSeconds, 40 * 60);
    const updated = await events('live_session.updated', s.id);
    assert.deepEqual(updated.map((e) => e.data.changed), [['recordingUrl']]);
  });

  test('cancel needs a reason; a cancelled session stays listed with it and cannot start', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    const L = `/api/live-sessions/${s.id}`;
    assert.equal((await post(t, cast.instructor, `${L}/cancel`, {})).statusCode, 400);
    assert.equal((await post(t, cast.instructor, `${L}/cancel`, { reason: '   ' })).statusCode, 400);
    const cancelled = await post(t, cast.instructor, `${L}/cancel`, { reason: 'Instructor ill' });
    assert.equal(cancelled.statusCode, 200);
    assert.equal(cancelled.json().status, 'cancelled');
    assert.equal(cancelled.json().cancelReason, 'Instructor ill');
    assert.equal((await post(t, cast.instructor, `${L}/start`)).json().error.code, 'INVALID_SESSION_STATE');
    const past = (await get(t, cast.student, '/api/live-sessions?status=past')).json().items as Json[];
    assert.ok(past.some((x) => x.id === s.id && x.cancelReason === 'Instructor ill'));
    assert.equal((await events('live_session.cancelled', s.id))[0].data.cancelReason, 'Instructor ill');
  });

  test('starting is allowed from LIVE_EARLY_START before the start until the scheduled end', async () => {
    const cast = await createCourse(t);
    const startAt = new Date(t.clock.now().getTime() + 60 * 60_000);
    const s = await createSession(t, cast, { startAt: startAt.toISOString(), endAt: new Date(startAt.getTime() + 30 * 60_000).toISOString() });
    const early = await post(t, cast.instructor, `/api/live-sessions/${s.id}/start`);
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().error.code, 'TOO_EARLY_TO_START');
    assert.equal(early.json().error.details.opensAt, new Date(startAt.getTime() - 15 * 60_000).toISOString());
    t.clock.set(startAt.getTime() + 30 * 60_000);
    assert.equal((await post(t, cast.instructor, `/api/live-sessions/${s.id}/start`)).json().error.code, 'SESSION_OVER');
    const upcoming = (await get(t, cast.student, '/api/live-sessions?status=upcoming')).json().items as Json[];
    assert.ok(!upcoming.some((x) => x.id === s.id), 'a session never held is past once its end passed');
  });

  test('bad schedules are refused: end before start, over 12 h, already over, unknown time zone', async () => {
    const cast = await createCourse(t);
    const now = t.clock.now().getTime();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const create = (body: Json) => post(t, cast.instructor, `/api/courses/${cast.courseId}/live-sessions`, { title: 'x', ...body });
    for (const body of [
      { startAt: at(3_600_000), endAt: at(3_600_000) },
      { startAt: at(0), endAt: at(13 * 3_600_000) },
      { startAt: at(-7_200_000), endAt: at(-3_600_000) },
      { startAt: at(0), endAt: at(60_000), series: { weekly: true } },
    ]) {
      const res = await create(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'INVALID_SCHEDULE');
    }
    for (const body of [{ startAt: 'tomorrow', endAt: at(60_000) }, { startAt: at(0), endAt: at(60_000), maxParticipants: 0 }, { startAt: at(0), endAt: at(60_000), title: '' }]) {
      assert.equal((await create(body)).statusCode, 400, JSON.stringify(body));
    }
    const badZone = await t.app.inject({ method: 'PUT', url: '/api/courses/zoneless', headers: cast.admin.headers, payload: { title: 'x', slug: 'zoneless', timeZone: 'Mars/Olympus', instructorIds: [] } });
    assert.equal(badZone.json().error.code, 'INVALID_TIME_ZONE');
    const taken = await t.app.inject({ method: 'PUT', url: '/api/courses/other-id', headers: cast.admin.headers, payload: { title: 'x', slug: `governance-${cast.courseId.replace('course-', '')}`, timeZone: 'UTC', instructorIds: [] } });
    assert.equal(taken.json().error.code, 'COURSE_SLUG_TAKEN');
  });

  test('a weekly series keeps 10:00 in the course\'s time zone across the DST change, numbered, one room each', async () => {
    t.clock.set('2026-03-10T08:00:00Z');
    const cast = await createCourse(t, { timeZone: 'Europe/Paris' });
    // Tuesday 17 March 2026, 10:00 Paris (UTC+1); Paris moves to UTC+2 on 29 March.
    const res = await post(t, cast.instructor, `/api/courses/${cast.courseId}/live-sessions`, {
      title: 'Cours: Introduction',
      startAt: '2026-03-17T09:00:00Z',
      endAt: '2026-03-17T10:30:00Z',
      series: { weekly: true, count: 4 },
    });
    assert.equal(res.statusCode, 201, res.body);
    const items = res.json().items as Json[];
    assert.deepEqual(items.map((s) => s.startAt), ['2026-03-17T09:00:00.000Z', '2026-03-24T09:00:00.000Z', '2026-03-31T08:00:00.000Z', '2026-04-07T08:00:00.000Z']);
    assert.deepEqual(items.map((s) => s.endAt), ['2026-03-17T10:30:00.000Z', '2026-03-24T10:30:00.000Z', '2026-03-31T09:30:00.000Z', '2026-04-07T09:30:00.000Z']);
    for (const s of items) assert.equal(DateTime.fromISO(s.startAt, { zone: 'Europe/Paris' }).toFormat('ccc HH:mm'), 'Tue 10:00');
    assert.deepEqual(items.map((s) => s.number), [1, 2, 3, 4]);
    assert.equal(new Set(items.map((s) => s.seriesId)).size, 1);
    assert.equal(new Set(items.map((s) => s.jitsiRoomName)).size, 4);
    for (const s of items) assert.match(s.jitsiRoomName, new RegExp(`^live-course-${cast.courseId}-session-${s.number}-[a-z0-9]{12}$`));
    // `until` stops at the last local day; a later session continues the course's numbering.
    const until = (await post(t, cast.instructor, `/api/courses/${cast.courseId}/live-sessions`, {
      title: 'Révision',
      startAt: '2026-03-19T09:00:00Z',
      endAt: '2026-03-19T10:00:00Z',
      series: { weekly: true, until: '2026-04-02' },
    })).json().items as Json[];
    assert.deepEqual(until.map((s) => [s.number, s.startAt]), [[5, '2026-03-19T09:00:00.000Z'], [6, '2026-03-26T09:00:00.000Z'], [7, '2026-04-02T08:00:00.000Z']]);
    assert.equal((await events('live_session.scheduled', items[2].id)).length, 1);
  });

  test('room names: lower case, [a-z0-9-] only, whatever the course id', async () => {
    const admin = await t.user('Room Admin', { admin: true });
    const instructor = await t.user('Room Instructor', { roles: ['instructor'] });
    const put = await t.app.inject({ method: 'PUT', url: '/api/courses/Course_42.A:B', headers: admin.headers, payload: { title: 'T', slug: 'room-names', timeZone: 'UTC', instructorIds: [instructor.id] } });
    assert.equal(put.statusCode, 201, put.body);
    const now = t.clock.now().getTime();
    const res = await post(t, instructor, '/api/courses/Course_42.A:B/live-sessions', { title: 'x', startAt: new Date(now).toISOString(), endAt: new Date(now + 60_000).toISOString() });
    assert.match(res.json().items[0].jitsiRoomName, /^live-course-course-42-a-b-session-1-[a-z0-9]{12}$/);
  });

  test('a session still live JITSI_AUTO_END_AFTER past its end is ended by the sweep, presence closed', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    await startSession(t, cast, s.id);
    await join(t, cast.student, s.id);
    const endAt = new Date(s.endAt).getTime();
    t.clock.set(endAt + 30 * 60_000 - 1000);
    await t.runJobs();
    assert.equal((await get(t, cast.student, `/api/live-sessions/${s.id}`)).json().status, 'live');
    t.clock.set(endAt + 30 * 60_000);
    await t.runJobs();
    const after = (await get(t, cast.student, `/api/live-sessions/${s.id}`)).json();
    assert.equal(after.status, 'ended');
    assert.equal(after.actualEndAt, t.clock.now().toISOString());
    const [ended] = await events('live_session.ended', s.id);
    assert.equal(ended.data.endedBy, 'auto');
    assert.equal(ended.data.participantCount, 1);
    const stats = (await get(t, cast.instructor, `/api/live-sessions/${s.id}/stats`)).json();
    assert.equal(stats.participants.find((p: Json) => p.userId === cast.student.id).intervals[0].leftAt !== null, true);
  });

  test('PATCH bumps the calendar sequence, records the changed fields and re-plans reminders', async () => {
    const cast: CourseCast = await createCourse(t);
    const startAt = new Date(t.clock.now().getTime() + 3 * 86_400_000);
    const s = await createSession(t, cast, { startAt: startAt.toISOString(), endAt: new Date(startAt.getTime() + 3_600_000).toISOString() });
    const moved = new Date(startAt.getTime() + 86_400_000);
    const res = await send('PATCH', cast.instructor, `/api/live-sessions/${s.id}`, {
      title: 'Session 1 (moved)',
      startAt: moved.toISOString(),
      endAt: new Date(moved.getTime() + 3_600_000).toISOString(),
      maxParticipants: 50,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().startAt, moved.toISOString());
    const [u] = await events('live_session.updated', s.id);
    assert.deepEqual(u.data.changed.sort(), ['endAt', 'startAt', 'title']);
    // Nothing changed: no event.
    assert.equal((await send('PATCH', cast.instructor, `/api/live-sessions/${s.id}`, { title: 'Session 1 (moved)' })).statusCode, 200);
    assert.equal((await events('live_session.updated', s.id)).length, 1);
    // The first reminder follows the new start.
    t.clock.set(startAt.getTime() - 86_400_000);
    await t.runJobs();
    assert.equal((await events('live_session.reminder', s.id)).length, 0);
    t.clock.set(moved.getTime() - 86_400_000);
    await t.runJobs();
    assert.deepEqual((await events('live_session.reminder', s.id)).map((e) => e.data.reminder), ['first']);
  });
});
