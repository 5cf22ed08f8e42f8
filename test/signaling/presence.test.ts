import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type WebSocket from 'ws';
import { createMatchedSession, type TestApp, type TestUser } from '../helpers/harness.ts';
import { useListeningApp } from '../helpers/listening-app.ts';
import type { TestSocket } from '../helpers/ws-client.ts';
import { alive, assertNothing, StandInSocket, waitUntil } from './support.ts';

/**
 * Presence over time (DESIGN 4.3, 4.6, 5; seed 003 AC6–AC8): replacement, drops, the reconnect
 * window, heartbeat silence, and session start/end pushes. The clock is manual: tests move it
 * and run the jobs (which include the signaling sweep); clients that must stay alive across a
 * clock move send a heartbeat first.
 */
describe('signaling presence', () => {
  const app = useListeningApp();
  let t: TestApp;
  before(() => ({ t } = app));
  const open = app.open;
  const WINDOW = 30_000; // RULES_RECONNECT_WINDOW default
  const SILENCE = 30_000; // RULES_HEARTBEAT_TIMEOUT default
  const session = async (names: string[], opts: { durationMinutes?: 15 | 30 | 45 } = {}) => {
    const m = await createMatchedSession(t, names, opts);
    return { sessionId: m.sessionIds.get(m.users[0].id)!, users: m.users, startTime: m.startTime };
  };
  const participant = async (viewer: TestUser, sessionId: string, userId: string) => {
    await t.services.signaling.idle();
    const res = await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: viewer.headers });
    return res.json().participants.find((p: { userId: string }) => p.userId === userId) as { status: string; joinedAt: string | null; leftAt: string | null };
  };
  /** Moves the clock, keeping `keep` alive first (their heartbeat is stamped at the new time), then runs the jobs. */
  const advance = async (ms: number, keep: TestSocket[]) => {
    t.clock.advance(ms);
    for (const s of keep) await alive(s);
    await runJobs();
  };
  /**
   * Lets queued presence writes settle first: `markConnected` also touches the session row, and on
   * a PostgreSQL server the lifecycle sweep skips rows locked at that moment (`SKIP LOCKED`) until
   * its next run, which a test running the jobs once would take for a missed start.
   */
  const runJobs = async () => {
    await t.services.signaling.idle();
    await t.runJobs();
  };
  const connected = (sessionId: string, user: TestUser) => t.services.signaling.isConnected(sessionId, user.id);

  test('a second connection of the same user replaces the first (4409) without leave/join churn', async () => {
    const { sessionId, users } = await session(['Ana', 'Ben']);
    const [ana, ben] = users;
    const a1 = await open(ana, sessionId);
    const b = await open(ben, sessionId);
    await a1.next('participant-list');
    await b.next('participant-list');
    await a1.next('participant-joined');

    const a2 = await open(ana, sessionId);
    assert.deepEqual(await a1.closed, { code: 4409, reason: 'REPLACED' });
    const list = await a2.next('participant-list');
    assert.deepEqual((list.participants as { userId: string }[]).map((p) => p.userId), [ben.id]);
    const rejoined = await b.next('participant-joined');
    assert.equal(rejoined.reconnected, true);
    assert.equal((rejoined.participant as { userId: string }).userId, ana.id);

    // Relays now reach the new connection; nobody ever hears that Ana left, even after the window.
    b.send({ type: 'offer', toUserId: ana.id, sdp: 'v=0' });
    assert.equal((await a2.next('offer')).fromUserId, ben.id);
    await advance(WINDOW + 1, [a2, b]);
    await assertNothing(b, 'participant-left');
    assert.equal((await participant(ben, sessionId, ana.id)).status, 'connected');
  });

  test('a drop followed by a return inside the window: participant-joined reconnected, never participant-left', async () => {
    const { sessionId, users } = await session(['Cai', 'Dee']);
    const [cai, dee] = users;
    const c = await open(cai, sessionId);
    const d1 = await open(dee, sessionId);
    await c.next('participant-list');
    await c.next('participant-joined');

    await d1.close();
    await waitUntil(() => !connected(sessionId, dee), 'the server noticed the drop');
    assert.equal((await participant(cai, sessionId, dee.id)).status, 'disconnected', 'a closed socket is a drop at once');
    await assertNothing(c, 'participant-left');

    await advance(WINDOW - 1, [c]);
    const d2 = await open(dee, sessionId);
    assert.deepEqual((await d2.next('participant-list')).participants, [
      { userId: cai.id, displayName: 'Cai', role: 'host', micEnabled: true, cameraEnabled: true },
    ]);
    const back = await c.next('participant-joined');
    assert.equal(back.reconnected, true);
    assert.equal((back.participant as { userId: string }).userId, dee.id);

    await advance(WINDOW + 1, [c, d2]);
    await assertNothing(c, 'participant-left');
    const stored = await participant(cai, sessionId, dee.id);
    assert.equal(stored.status, 'connected');
    assert.equal(stored.leftAt, null);
  });

  test('a drop without return: participant-left (disconnected) once a sweep sees the window passed; leftAt is the drop time', async () => {
    const { sessionId, users } = await session(['Eve', 'Fay', 'Gus']);
    const [eve, fay, gus] = users;
    const e = await open(eve, sessionId);
    const f = await open(fay, sessionId);
    const g = await open(gus, sessionId);
    for (const s of [e, f, g]) await s.next('participant-list');

    const droppedAt = t.clock.now();
    await f.close();
    await waitUntil(() => !connected(sessionId, fay), 'the server noticed the drop');

    await advance(WINDOW - 1, [e, g]);
    await assertNothing(e, 'participant-left');
    await advance(1, [e, g]);
    for (const s of [e, g]) assert.deepEqual(await s.next('participant-left'), { type: 'participant-left', userId: fay.id, reason: 'disconnected' });
    const stored = await participant(eve, sessionId, fay.id);
    assert.equal(stored.leftAt, droppedAt.toISOString());
    assert.equal(stored.status, 'disconnected');

    // Announced once only.
    await advance(WINDOW, [e, g]);
    await assertNothing(e, 'participant-left');
  });

  test('a return after the window but before any sweep: announced as left first, then as a plain newcomer', async () => {
    const { sessionId, users } = await session(['Hal', 'Ivy']);
    const [hal, ivy] = users;
    const h = await open(hal, sessionId);
    const i1 = await open(ivy, sessionId);
    await h.next('participant-list');
    await i1.close();
    await waitUntil(() => !connected(sessionId, ivy), 'the server noticed the drop');

    t.clock.advance(WINDOW + 5_000); // no sweep ran
    await alive(h);
    const i2 = await open(ivy, sessionId);
    await i2.next('participant-list');
    assert.deepEqual(await h.next('participant-left'), { type: 'participant-left', userId: ivy.id, reason: 'disconnected' });
    const joined = await h.next('participant-joined');
    assert.equal('reconnected' in joined, false);
    assert.equal((await participant(hal, sessionId, ivy.id)).status, 'connected');
  });

  test('heartbeat silence: the socket is terminated after RULES_HEARTBEAT_TIMEOUT, announced after the reconnect window', async () => {
    const { sessionId, users } = await session(['Jo', 'Kim']);
    const [jo, kim] = users;
    const j = await open(jo, sessionId);
    const k = await open(kim, sessionId);
    await j.next('participant-list');
    await k.next('participant-list');

    await advance(SILENCE - 1, [j]);
    assert.equal(k.ws.readyState, k.ws.OPEN, 'not yet silent for the whole timeout');
    await advance(1, [j]);
    assert.equal((await k.closed).code, 1006, 'terminated without a closing handshake');
    assert.ok(!connected(sessionId, kim));
    assert.equal((await participant(jo, sessionId, kim.id)).status, 'disconnected');
    await assertNothing(j, 'participant-left');

    await advance(WINDOW, [j]);
    assert.deepEqual(await j.next('participant-left'), { type: 'participant-left', userId: kim.id, reason: 'disconnected' });
    assert.equal(j.ws.readyState, j.ws.OPEN, 'the live client was kept');
  });

  test('session-started and session-ended are pushed; ended closes every socket with 4410 and refuses new ones', async () => {
    const { sessionId, users, startTime } = await session(['Lea', 'Max'], { durationMinutes: 15 });
    const [lea, max] = users;
    const l = await open(lea, sessionId);
    const m = await open(max, sessionId);
    await l.next('participant-list');
    await m.next('participant-list');

    t.clock.set(startTime);
    for (const s of [l, m]) await alive(s);
    await runJobs();
    for (const s of [l, m]) assert.deepEqual(await s.next('session-started'), { type: 'session-started', startedAt: startTime.toISOString() });

    t.clock.set(startTime.getTime() + 15 * 60_000);
    for (const s of [l, m]) await alive(s);
    await runJobs();
    for (const s of [l, m]) {
      assert.deepEqual(await s.next('session-ended'), { type: 'session-ended', reason: 'completed' });
      assert.deepEqual(await s.closed, { code: 4410, reason: 'SESSION_ENDED' });
    }
    assert.equal((await (await open(lea, sessionId)).closed).code, 4410);
    // Ending is not a drop: nothing is announced or finalized later.
    await t.runJobs();
    assert.equal((await participant(lea, sessionId, max.id)).status, 'disconnected');
  });

  test('a connection admitted just before its session ended is turned away at once (4410)', async () => {
    const { sessionId, users, startTime } = await session(['Pat', 'Quin'], { durationMinutes: 15 });
    // Admission (what the route does before the upgrade) succeeds; then the session ends.
    const admission = await t.services.sessions.authorizeSignaling(sessionId, users[0].id, t.clock.now());
    t.clock.set(startTime.getTime() + 15 * 60_000);
    await t.runJobs();
    // Only the socket is a stand-in here: the upgrade cannot be paused between admission and accept.
    const socket = new StandInSocket();
    await t.services.signaling.connect(socket as unknown as WebSocket, admission);
    assert.deepEqual(socket.sent.map((f) => JSON.parse(f)), [{ type: 'session-ended', reason: 'cancelled' }]);
    assert.deepEqual(socket.closedWith, { code: 4410, reason: 'SESSION_ENDED' });
    assert.ok(!connected(sessionId, users[0]));
  });

  test('announceLeft (deliberate leave): participant-left reason left at once, the socket closed 1000, no later announcement', async () => {
    const { sessionId, users } = await session(['Ned', 'Oda']);
    const [ned, oda] = users;
    const n = await open(ned, sessionId);
    const o = await open(oda, sessionId);
    await n.next('participant-list');
    await o.next('participant-list');

    t.services.signaling.announceLeft(sessionId, oda.id);
    assert.deepEqual(await n.next('participant-left'), { type: 'participant-left', userId: oda.id, reason: 'left' });
    assert.deepEqual(await o.closed, { code: 1000, reason: 'LEFT' });
    assert.ok(!connected(sessionId, oda));
    await advance(WINDOW + 1, [n]);
    await assertNothing(n, 'participant-left');
  });

  test('four clients: full mesh signaling between every pair (seed 003 definition of done)', async () => {
    const { sessionId, users } = await session(['P1', 'P2', 'P3', 'P4']);
    const socks: TestSocket[] = [];
    for (const [i, user] of users.entries()) {
      const s = await open(user, sessionId);
      const list = await s.next('participant-list');
      assert.equal((list.participants as unknown[]).length, i);
      // The newcomer offers to each existing participant, who answers.
      for (const [j, peer] of socks.entries()) {
        s.send({ type: 'offer', toUserId: users[j].id, sdp: `offer ${i}->${j}` });
        const offer = await peer.next('offer');
        assert.equal(offer.fromUserId, user.id);
        assert.equal(offer.sdp, `offer ${i}->${j}`);
        peer.send({ type: 'answer', toUserId: user.id, sdp: `answer ${j}->${i}` });
        assert.equal((await s.next('answer')).sdp, `answer ${j}->${i}`);
      }
      socks.push(s);
    }
    // 4 * 3 / 2 = 6 offer/answer pairs; nobody got a stray relay.
    for (const s of socks) await assertNothing(s, 'offer');
  });
});
