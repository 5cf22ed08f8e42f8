import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { jaasSignature } from '../../src/modules/live-courses/webhooks.ts';
import { openTestDatabase, postgresServerUrl } from '../helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { createCourse, createSession, get, join, post, startSession, type CourseCast } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MIN = 60_000;

/**
 * Attendance (seed 004 §5): join and leave times per participant with several intervals, live
 * `isPresent` from the page's join, leave and heartbeats (silent for RULES_HEARTBEAT_TIMEOUT =
 * gone), total presence and the statistics of §6; the signed webhooks of the Jitsi side feeding
 * the same records, idempotently. Time moves with the manual clock only.
 */
describe('attendance and statistics', () => {
  const ATTENDANCE_SECRET = crypto.randomBytes(24).toString('hex');
  const RECORDING_SECRET = crypto.randomBytes(24).toString('hex');
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { JITSI_ATTENDANCE_WEBHOOK_SECRET: ATTENDANCE_SECRET, JITSI_RECORDING_WEBHOOK_SECRET: RECORDING_SECRET } });
  });
  after(() => t.close());

  const stats = async (cast: CourseCast, id: string): Promise<Json> => {
    const res = await get(t, cast.instructor, `/api/live-sessions/${id}/stats`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const mine = (s: Json, u: TestUser) => s.participants.find((p: Json) => p.userId === u.id);
  const iso = (ms: number) => new Date(ms).toISOString();
  /** Keeps the page alive for `ms`, one heartbeat every 15 s as the join page does. */
  const stayFor = async (users: TestUser[], id: string, ms: number) => {
    for (let elapsed = 0; elapsed < ms; elapsed += 15_000) {
      t.clock.advance(Math.min(15_000, ms - elapsed));
      for (const u of users) assert.equal((await post(t, u, `/api/live-sessions/${id}/heartbeat`)).statusCode, 200);
      await t.runJobs();
    }
  };

  test('leave and rejoin make two intervals; presence adds them; stats of seed 004 §6', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    const t0 = t.clock.now().getTime();
    await startSession(t, cast, s.id);
    await join(t, cast.instructor, s.id);
    await join(t, cast.student, s.id);
    await join(t, cast.moderator, s.id);
    await stayFor([cast.instructor, cast.student, cast.moderator], s.id, 10 * MIN);
    assert.equal((await post(t, cast.student, `/api/live-sessions/${s.id}/leave`)).json().isPresent, false);
    let now = await stats(cast, s.id);
    assert.equal(mine(now, cast.student).isPresent, false);
    assert.equal(mine(now, cast.moderator).isPresent, true);
    await stayFor([cast.instructor, cast.moderator], s.id, 5 * MIN);
    const rejoined = await join(t, cast.student, s.id);
    assert.equal(rejoined.session.amPresent, true);
    await stayFor([cast.instructor, cast.student, cast.moderator], s.id, 10 * MIN);
    assert.equal((await post(t, cast.moderator, `/api/live-sessions/${s.id}/leave`)).statusCode, 200);
    await stayFor([cast.instructor, cast.student], s.id, 5 * MIN);
    const end = t.clock.now().getTime();
    assert.equal((await post(t, cast.instructor, `/api/live-sessions/${s.id}/end`)).statusCode, 200);

    now = await stats(cast, s.id);
    assert.deepEqual(mine(now, cast.student).intervals, [
      { joinedAt: iso(t0), leftAt: iso(t0 + 10 * MIN) },
      { joinedAt: iso(t0 + 15 * MIN), leftAt: iso(end) },
    ]);
    assert.equal(mine(now, cast.student).presenceSeconds, 25 * 60);
    assert.equal(mine(now, cast.moderator).presenceSeconds, 25 * 60);
    assert.equal(mine(now, cast.instructor).presenceSeconds, 30 * 60);
    assert.equal(mine(now, cast.student).role, 'student');
    assert.equal(now.totalDurationSeconds, 30 * 60);
    // The audience: the student and the moderator (instructors are not counted).
    assert.equal(now.participantCount, 2);
    assert.equal(now.averagePresenceSeconds, 25 * 60);
    assert.ok(now.participants.every((p: Json) => p.isPresent === false));
  });

  test('a page silent for RULES_HEARTBEAT_TIMEOUT is gone: interval closed at its last sign of life, seat freed, heartbeat 409', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast, { maxParticipants: 1 });
    await startSession(t, cast, s.id);
    const t0 = t.clock.now().getTime();
    await join(t, cast.student, s.id);
    t.clock.advance(15_000);
    await post(t, cast.student, `/api/live-sessions/${s.id}/heartbeat`);
    const lastSeen = t.clock.now().getTime();
    const second = await t.user('Second Student');
    await t.app.inject({ method: 'PUT', url: `/api/courses/${cast.courseId}/enrolments/${second.id}`, headers: cast.admin.headers });
    assert.equal((await post(t, second, `/api/live-sessions/${s.id}/join`)).json().error.code, 'SESSION_FULL');
    t.clock.set(lastSeen + 30_000 - 1);
    await t.runJobs();
    assert.equal(mine(await stats(cast, s.id), cast.student).isPresent, true);
    t.clock.set(lastSeen + 30_000);
    await t.runJobs();
    const after = mine(await stats(cast, s.id), cast.student);
    assert.equal(after.isPresent, false);
    assert.deepEqual(after.intervals, [{ joinedAt: iso(t0), leftAt: iso(lastSeen) }]);
    assert.equal(after.presenceSeconds, 15);
    const beat = await post(t, cast.student, `/api/live-sessions/${s.id}/heartbeat`);
    assert.equal(beat.statusCode, 409);
    assert.equal(beat.json().error.code, 'NOT_PRESENT');
    assert.equal((await post(t, second, `/api/live-sessions/${s.id}/join`)).statusCode, 200, 'the seat is free again');
    assert.equal((await post(t, cast.student, `/api/live-sessions/${s.id}/join`)).json().error.code, 'SESSION_FULL');
    assert.equal((await post(t, cast.instructor, `/api/live-sessions/${s.id}/join`)).statusCode, 200, 'instructors never take a seat');
  });

  const deliver = (url: string, body: Json, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
  const jaas = (body: Json, secret = ATTENDANCE_SECRET, atMs = t.clock.nowMs()) => {
    const raw = JSON.stringify(body);
    return t.app.inject({
      method: 'POST',
      url: body.eventType === 'RECORDING_UPLOADED' ? '/api/webhooks/jitsi/recording' : '/api/webhooks/jitsi/attendance',
      headers: { 'content-type': 'application/json', 'x-jaas-signature': jaasSignature(raw, secret, atMs) },
      payload: raw,
    });
  };
  const participantEvent = (type: 'PARTICIPANT_JOINED' | 'PARTICIPANT_LEFT', room: string, u: TestUser, atMs: number, key = crypto.randomUUID()) => ({
    idempotencyKey: key,
    customerId: 'c2824d584eac4489a1e32e4e164d5a3c',
    appId: 'vpaas-magic-cookie-c2824d584eac4489a1e32e4e164d5a3c',
    eventType: type,
    sessionId: crypto.randomUUID(),
    timestamp: atMs,
    fqn: `vpaas-magic-cookie-c2824d584eac4489a1e32e4e164d5a3c/${room}`,
    data: { moderator: 'false', name: u.name, group: '', email: '', id: u.id, participantJid: `${u.id}@meet.jitsi/abc` },
  });

  test('JaaS attendance webhooks: signed, idempotent, feeding the same intervals as the page', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    await startSession(t, cast, s.id);
    const t0 = t.clock.now().getTime();
    const joined = participantEvent('PARTICIPANT_JOINED', s.jitsiRoomName, cast.student, t0);
    assert.equal((await jaas(joined)).json().outcome, 'applied');
    assert.equal((await jaas(joined)).json().outcome, 'duplicate', 'a redelivery changes nothing');
    // The page joins too: still one interval; the page leaving does not end presence while Jitsi reports it.
    t.clock.advance(MIN);
    await join(t, cast.student, s.id);
    t.clock.advance(MIN);
    await post(t, cast.student, `/api/live-sessions/${s.id}/leave`);
    assert.equal(mine(await stats(cast, s.id), cast.student).isPresent, true);
    t.clock.advance(3 * MIN);
    assert.equal((await jaas(participantEvent('PARTICIPANT_LEFT', s.jitsiRoomName.toUpperCase(), cast.student, t0 + 4 * MIN))).json().outcome, 'applied');
    const p = mine(await stats(cast, s.id), cast.student);
    assert.deepEqual(p.intervals, [{ joinedAt: iso(t0), leftAt: iso(t0 + 4 * MIN) }]);
    assert.equal(p.isPresent, false);
    // Not ours: unknown rooms and people who may not join are acknowledged and ignored.
    assert.equal((await jaas(participantEvent('PARTICIPANT_JOINED', 'some-other-room', cast.student, t0))).json().outcome, 'ignored');
    assert.equal((await jaas(participantEvent('PARTICIPANT_JOINED', s.jitsiRoomName, cast.other, t0))).json().outcome, 'ignored');
    assert.equal((await jaas({ ...participantEvent('PARTICIPANT_JOINED', s.jitsiRoomName, cast.student, t0), eventType: 'ROOM_CREATED' })).json().outcome, 'ignored');
  });

  test('webhook signatures: wrong secret, stale timestamp, altered body or none are 401; unconfigured is 404', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    const body = participantEvent('PARTICIPANT_JOINED', s.jitsiRoomName, cast.student, t.clock.nowMs());
    const raw = JSON.stringify(body);
    assert.equal((await jaas(body, crypto.randomBytes(24).toString('hex'))).statusCode, 401);
    assert.equal((await jaas(body, ATTENDANCE_SECRET, t.clock.nowMs() - 6 * MIN)).statusCode, 401);
    const altered = await deliver('/api/webhooks/jitsi/attendance', { ...body, data: { ...body.data, id: cast.other.id } }, { 'x-jaas-signature': jaasSignature(raw, ATTENDANCE_SECRET, t.clock.nowMs()) });
    assert.equal(altered.statusCode, 401);
    assert.equal(altered.json().error.code, 'INVALID_SIGNATURE');
    assert.equal((await deliver('/api/webhooks/jitsi/attendance', body, {})).statusCode, 401);
    const v0 = await deliver('/api/webhooks/jitsi/attendance', body, { 'x-jaas-signature': jaasSignature(raw, ATTENDANCE_SECRET, t.clock.nowMs()).replace('v1=', 'v0=') });
    assert.equal(v0.statusCode, 401, 'only v1 counts');
    assert.equal((await deliver('/api/webhooks/jitsi/attendance', { nonsense: true }, {})).statusCode, 400);
    const off = await createTestApp();
    try {
      const res = await off.app.inject({ method: 'POST', url: '/api/webhooks/jitsi/attendance', headers: { 'content-type': 'application/json', 'x-jaas-signature': jaasSignature(raw, ATTENDANCE_SECRET, off.clock.nowMs()) }, payload: raw });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'WEBHOOK_NOT_CONFIGURED');
    } finally {
      await off.close();
    }
  });

  test('prosody event_sync occupant webhooks with the bearer secret; retries are deduplicated', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    await startSession(t, cast, s.id);
    const t0 = Math.floor(t.clock.now().getTime() / 1000);
    const occupant = { occupant_jid: `${s.jitsiRoomName}@conference.meet.example.com/abc`, id: cast.moderator.id, name: cast.moderator.name, email: '', joined_at: t0 };
    const auth = { authorization: `Bearer ${ATTENDANCE_SECRET}` };
    const joined = { event_name: 'muc-occupant-joined', room_name: s.jitsiRoomName, room_jid: `${s.jitsiRoomName}@conference.meet.example.com`, is_breakout: false, active_occupants_count: 1, occupant };
    assert.equal((await deliver('/api/webhooks/jitsi/events/occupant/joined', joined, { authorization: 'Bearer wrong' })).statusCode, 401);
    assert.equal((await deliver('/api/webhooks/jitsi/events/occupant/joined', joined, auth)).json().outcome, 'applied');
    assert.equal((await deliver('/api/webhooks/jitsi/events/occupant/joined', joined, auth)).json().outcome, 'duplicate');
    t.clock.advance(7 * MIN);
    const left = { ...joined, event_name: 'muc-occupant-left', active_occupants_count: 0, occupant: { ...occupant, left_at: t0 + 7 * 60 } };
    assert.equal((await deliver('/api/webhooks/jitsi/events/occupant/left', left, auth)).json().outcome, 'applied');
    assert.equal((await deliver('/api/webhooks/jitsi/events/room/created', { event_name: 'muc-room-created', room_name: s.jitsiRoomName }, auth)).json().outcome, 'ignored');
    const p = mine(await stats(cast, s.id), cast.moderator);
    assert.equal(p.presenceSeconds, 7 * 60);
    assert.equal(p.role, 'moderator');
  });

  test('the recording webhook (JaaS RECORDING_UPLOADED) sets the recording URL once', async () => {
    const cast = await createCourse(t);
    const s = await createSession(t, cast, { recordingEnabled: true });
    await startSession(t, cast, s.id);
    t.clock.advance(20 * MIN);
    await post(t, cast.instructor, `/api/live-sessions/${s.id}/end`);
    const body = {
      idempotencyKey: crypto.randomUUID(),
      eventType: 'RECORDING_UPLOADED',
      timestamp: t.clock.nowMs(),
      fqn: `my-app/${s.jitsiRoomName}`,
      data: { preAuthenticatedLink: 'https://storage.example.com/rec/1.mp4?sig=abc', share: true },
    };
    assert.equal((await jaas(body, ATTENDANCE_SECRET)).statusCode, 401, 'the recording webhook has its own secret');
    assert.equal((await jaas(body, RECORDING_SECRET)).json().outcome, 'applied');
    assert.equal((await jaas(body, RECORDING_SECRET)).json().outcome, 'duplicate');
    assert.equal((await stats(cast, s.id)).recordingUrl, 'https://storage.example.com/rec/1.mp4?sig=abc');
    assert.equal((await get(t, cast.student, `/api/live-sessions/${s.id}`)).json().recordingUrl, 'https://storage.example.com/rec/1.mp4?sig=abc');
  });
});

/**
 * Capacity under concurrency (DESIGN 5) on a real PostgreSQL server on both passes: PGlite's
 * single connection would serialise the joins and hide a race.
 */
describe('capacity under 50 concurrent joins (PostgreSQL)', () => {
  test('exactly maxParticipants students get in; instructors and moderators are never refused', async () => {
    const database = await openTestDatabase({ serverUrl: postgresServerUrl, poolSize: 30 });
    const t = await createTestApp({ database });
    try {
      const cast = await createCourse(t, { tag: 'capacity' });
      const s = await createSession(t, cast, { maxParticipants: 10 });
      await startSession(t, cast, s.id);
      const students = await Promise.all(Array.from({ length: 50 }, (_, i) => t.user(`Racer ${i}`)));
      for (const u of students) await t.app.inject({ method: 'PUT', url: `/api/courses/${cast.courseId}/enrolments/${u.id}`, headers: cast.admin.headers });
      const results = await Promise.all([...students, cast.instructor, cast.moderator].map((u) => post(t, u, `/api/live-sessions/${s.id}/join`)));
      const codes = results.map((r) => (r.statusCode === 200 ? 'OK' : r.json().error.code));
      assert.equal(codes.filter((c) => c === 'OK').length, 12, codes.join());
      assert.equal(codes.filter((c) => c === 'SESSION_FULL').length, 40);
      assert.equal(codes.at(-1), 'OK');
      assert.equal(codes.at(-2), 'OK');
      const present = (await get(t, cast.instructor, `/api/live-sessions/${s.id}/stats`)).json().participants.filter((p: Json) => p.isPresent && p.role === 'student');
      assert.equal(present.length, 10);
      // Joining again while present keeps the seat, concurrently too.
      const winners = students.filter((_, i) => results[i]!.statusCode === 200);
      const again = await Promise.all(winners.map((u) => post(t, u, `/api/live-sessions/${s.id}/join`)));
      assert.ok(again.every((r) => r.statusCode === 200));
    } finally {
      await t.close();
      await database.close();
    }
  });
});
