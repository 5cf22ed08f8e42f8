import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createMatchedSession, createTestApp, type TestApp } from './helpers/harness.ts';
import { useListeningApp } from './helpers/listening-app.ts';
import { alive as heartbeat, privateSession, waitUntil } from './signaling/support.ts';
import { TestSocket } from './helpers/ws-client.ts';

describe('slot sessions (seed 000 §5.3, DESIGN 4.6)', () => {
  const app = useListeningApp();
  let t: TestApp;
  before(() => ({ t } = app));
  const open = app.open;
  /** Clients heartbeat every 15 s; after a clock jump they show a sign of life before the sweep. */
  const alive = async (...live: TestSocket[]) => {
    for (const s of live) await heartbeat(s);
  };
  const current = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/sessions/current', headers });
  const get = (headers: Record<string, string>, id: string) => t.app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers });

  test('the session is fetchable from the join window, becomes active at the start, completes at the end, and attendance is recorded', async () => {
    // Registration closes 5 min before; the join window (5 min) opens at the same moment with defaults.
    const m = await createMatchedSession(t, ['Ana', 'Ben', 'Cai'], { startInMs: 20 * 60_000, durationMinutes: 15 });
    const [ana, ben, cai] = m.users;
    const sessionId = m.sessionIds.get(ana.id)!;
    t.clock.set(m.startTime.getTime() - 5 * 60_000 - 1);
    assert.equal((await current(ana.headers)).statusCode, 404, 'not before the join window');
    t.clock.set(m.startTime.getTime() - 5 * 60_000);
    const waiting = await current(ana.headers);
    assert.equal(waiting.statusCode, 200);
    assert.equal(waiting.json().id, sessionId);
    assert.equal(waiting.json().status, 'waiting');

    // Two members connect in the waiting room; signaling works before the start.
    const a = await open(ana.token, sessionId);
    assert.equal((await a.next('participant-list')).type, 'participant-list');
    const b = await open(ben.token, sessionId);
    const list = await b.next('participant-list');
    assert.deepEqual((list.participants as { userId: string }[]).map((p) => p.userId), [ana.id]);
    await a.next('participant-joined');

    t.clock.set(m.startTime);
    await alive(a, b);
    await t.runJobs();
    const startedA = await a.next('session-started');
    assert.equal(startedA.startedAt, m.startTime.toISOString());
    await b.next('session-started');
    assert.equal((await current(ben.headers)).json().status, 'active');

    // After the grace period two members joined: the session goes on.
    t.clock.advance(6 * 60_000);
    await alive(a, b);
    await t.runJobs();
    assert.equal((await get(ana.headers, sessionId)).json().status, 'active');

    t.clock.set(m.startTime.getTime() + 15 * 60_000);
    await alive(a, b);
    await t.runJobs();
    const ended = await a.next('session-ended');
    assert.equal(ended.reason, 'completed');
    assert.equal((await a.closed).code, 4410);
    const done = (await get(ana.headers, sessionId)).json();
    assert.equal(done.status, 'ended');
    assert.equal(done.endReason, 'completed');
    const byUser = new Map(done.participants.map((p: { userId: string }) => [p.userId, p]));
    const anaP = byUser.get(ana.id) as { joinedAt: string; leftAt: string; presenceSeconds: number };
    assert.ok(anaP.joinedAt && anaP.leftAt);
    assert.equal(anaP.presenceSeconds, 20 * 60, 'connected from 5 min before the start to the end');
    assert.equal((byUser.get(cai.id) as { joinedAt: string | null }).joinedAt, null);
    const regStatus = async (u: typeof ana) =>
      (await t.app.inject({ method: 'GET', url: '/api/registrations', headers: u.headers })).json().items.find((r: { timeSlotId: string }) => r.timeSlotId === m.slotId).status;
    assert.equal(await regStatus(ana), 'attended');
    assert.equal(await regStatus(ben), 'attended');
    assert.equal(await regStatus(cai), 'noshow');
    assert.equal((await current(ana.headers)).statusCode, 404);
  });

  test('fewer than 2 connected after RULES_START_GRACE: cancelled', async () => {
    const m = await createMatchedSession(t, ['Dee', 'Eve'], { startInMs: 20 * 60_000 });
    const [dee, eve] = m.users;
    const sessionId = m.sessionIds.get(dee.id)!;
    const d = await open(dee.token, sessionId);
    await d.next('participant-list');
    t.clock.set(m.startTime);
    await alive(d);
    await t.runJobs();
    await d.next('session-started');
    t.clock.set(m.startTime.getTime() + 5 * 60_000 - 1);
    await alive(d);
    await t.runJobs();
    assert.equal((await get(dee.headers, sessionId)).json().status, 'active');
    t.clock.set(m.startTime.getTime() + 5 * 60_000);
    await alive(d);
    await t.runJobs();
    assert.equal((await d.next('session-ended')).reason, 'cancelled');
    const s = (await get(eve.headers, sessionId)).json();
    assert.equal(s.status, 'ended');
    assert.equal(s.endReason, 'cancelled');
  });

  test('everyone leaves an active session: all_left once the reconnect window has passed', async () => {
    const m = await createMatchedSession(t, ['Fay', 'Gus'], { startInMs: 20 * 60_000 });
    const [fay, gus] = m.users;
    const sessionId = m.sessionIds.get(fay.id)!;
    const f = await open(fay.token, sessionId);
    const g = await open(gus.token, sessionId);
    await f.next('participant-list');
    await g.next('participant-list');
    t.clock.set(m.startTime);
    await alive(f, g);
    await t.runJobs();
    await f.close();
    await g.close();
    await waitUntil(() => !t.services.signaling.isConnected(sessionId, fay.id) && !t.services.signaling.isConnected(sessionId, gus.id), 'drops seen');
    await t.services.signaling.idle();
    // The drop is only final after RULES_RECONNECT_WINDOW.
    t.clock.advance(29_000);
    await t.runJobs();
    assert.equal((await get(fay.headers, sessionId)).json().status, 'active');
    t.clock.advance(2_000);
    await t.runJobs();
    const s = (await get(fay.headers, sessionId)).json();
    assert.equal(s.status, 'ended');
    assert.equal(s.endReason, 'all_left');
  });

  test('a deliberate leave is announced at once; when the last one leaves the session ends all_left', async () => {
    const m = await createMatchedSession(t, ['Joy', 'Kim', 'Lou'], { startInMs: 20 * 60_000 });
    const [joy, kim, lou] = m.users;
    const sessionId = m.sessionIds.get(joy.id)!;
    const j = await open(joy.token, sessionId);
    const k = await open(kim.token, sessionId);
    await j.next('participant-list');
    await k.next('participant-list');
    t.clock.set(m.startTime);
    await alive(j, k);
    await t.runJobs();
    t.clock.advance(60_000);
    await alive(j, k);
    const leave = (u: typeof joy) => t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/leave`, headers: u.headers });
    const left = await leave(kim);
    assert.equal(left.statusCode, 200);
    const kimRow = left.json().participants.find((p: { userId: string }) => p.userId === kim.id);
    assert.equal(kimRow.leftAt, t.clock.now().toISOString());
    assert.equal(kimRow.presenceSeconds, 6 * 60, 'from the join window to the leave');
    const announced = await j.next('participant-left');
    assert.deepEqual(announced, { type: 'participant-left', userId: kim.id, reason: 'left' });
    assert.equal((await k.closed).code, 1000);
    assert.equal((await leave(kim)).statusCode, 200, 'leaving twice is harmless');
    assert.equal((await leave(await t.user('Nobody'))).statusCode, 404);
    // Lou never connected; Joy leaving makes everyone who joined gone.
    assert.equal((await leave(joy)).json().status, 'ended');
    const s = (await get(lou.headers, sessionId)).json();
    assert.equal(s.endReason, 'all_left');
    assert.equal((await leave(lou)).statusCode, 409);
  });

  test('signaling is refused before the join window and after the end', async () => {
    // Registration closing 10 min before the start leaves 5 min before the waiting room opens.
    const early = await createTestApp({ env: { RULES_REGISTRATION_CUTOFF: '10m' } });
    try {
      const url = await early.listen();
      const m = await createMatchedSession(early, ['Hal', 'Ivy'], { startInMs: 60 * 60_000 });
      const [hal] = m.users;
      const sessionId = m.sessionIds.get(hal.id)!;
      assert.equal((await early.app.inject({ method: 'GET', url: '/api/sessions/current', headers: hal.headers })).statusCode, 404);
      const tooEarly = await TestSocket.open(url, hal.token, sessionId);
      assert.equal((await tooEarly.closed).code, 4403);
      early.clock.set(m.startTime.getTime() + 31 * 60_000);
      await early.runJobs();
      const tooLate = await TestSocket.open(url, hal.token, sessionId);
      assert.equal((await tooLate.closed).code, 4410);
    } finally {
      await early.close();
    }
  });
});

describe('presence across connections (seed 000 §7.2, DESIGN 4.6)', () => {
  test('a drop and a reconnect keep the presence counted so far; joinedAt stays the first join; a replacing connection does not count twice', async () => {
    const t = await createTestApp();
    try {
      const { sessionId, users } = await privateSession(t, ['Ona', 'Pia']);
      const [ona] = users;
      const sessions = t.services.sessions.participation;
      const at = (s: number) => new Date(t.clock.now().getTime() + s * 1000);
      const me = async () => {
        const res = await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: ona.headers });
        return (res.json() as { participants: { userId: string; status: string; joinedAt: string; presenceSeconds: number }[] }).participants.find((p) => p.userId === ona.id)!;
      };
      const firstJoin = at(0);
      await sessions.markConnected(sessionId, ona.id, firstJoin);
      await sessions.markDropped(sessionId, ona.id, at(60));
      assert.deepEqual({ status: (await me()).status, presenceSeconds: (await me()).presenceSeconds }, { status: 'disconnected', presenceSeconds: 60 });
      await sessions.markConnected(sessionId, ona.id, at(90)); // back inside the reconnect window
      await sessions.markConnected(sessionId, ona.id, at(100)); // a second tab replaces the first
      const back = await me();
      assert.equal(back.status, 'connected');
      assert.equal(back.joinedAt, firstJoin.toISOString(), 'joinedAt is the first join');
      assert.equal(back.presenceSeconds, 70, '60 s, then 10 s until the replacement; the 30 s away do not count');
      await sessions.markDropped(sessionId, ona.id, at(130));
      assert.equal((await me()).presenceSeconds, 100);
    } finally {
      await t.close();
    }
  });
});
