import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { DatabaseHandle } from '../../src/db/client.ts';
import type { RedisSignalingState } from '../../src/modules/signaling/redis-state.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { alive, listedIds, openUntilClosed, privateSession, signalingUrl, waitUntil } from './support.ts';

/**
 * Scale-out (issue 4, seed 003 tasks 4-5, DESIGN 2): two instances of the service on one database,
 * sharing presence and relaying through the real Redis on 127.0.0.1 (keys under a random prefix,
 * deleted afterwards). Participants on different instances talk as if on one; replacement, drops
 * and reconnect windows work across instances; an instance that dies without closing has its
 * sockets announced as dropped by the survivors once their heartbeat keys expire.
 *
 * Frames between instances travel through Redis pub/sub, so a test that asserts that something did
 * NOT arrive first passes a marker along the same path (`barrier`): Redis keeps a publisher's order.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('signaling across two instances (Redis)', () => {
  const prefix = `cs-test-${crypto.randomBytes(6).toString('hex')}:`;
  const env = {
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: crypto.randomBytes(32).toString('hex'), // both instances verify the same tokens
    SIGNALING_MAX_SOCKETS_PER_USER: '2',
  };
  const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);
  let database: DatabaseHandle;
  let a: TestApp;
  let b: TestApp;
  const url = new Map<TestApp, string>();
  let sockets: TestSocket[] = [];
  let redis: Redis;

  before(async () => {
    redis = new Redis(REDIS_URL);
    database = await openTestDatabase();
    a = await createTestApp({ clock, env, database });
    b = await createTestApp({ clock, env, database });
    url.set(a, await a.listen());
    url.set(b, await b.listen());
  });
  afterEach(async () => {
    await Promise.all(sockets.map((s) => (s.ws.readyState === s.ws.CLOSED ? undefined : s.close())));
    sockets = [];
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await database?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** Opens a socket on instance `on` (a user's JWT or a ticket). */
  const open = async (on: TestApp, user: TestUser | string, sessionId: string) => {
    const s = await TestSocket.open(url.get(on)!, typeof user === 'string' ? user : user.token, sessionId);
    sockets.push(s);
    return s;
  };
  let markers = 0;
  /** Sends a relay from `from` to `to` and waits for it: whatever `from`'s instance sent `to` before has arrived. */
  const barrier = async (from: TestSocket, to: TestSocket, toUserId: string) => {
    const sdp = `barrier ${++markers}`;
    from.send({ type: 'offer', toUserId, sdp });
    for (;;) if ((await to.next('offer')).sdp === sdp) return;
  };
  const none = (s: TestSocket, type: string) => assert.ok(s.hasNo(type), `unexpected ${type}: ${JSON.stringify(s.messages.filter((m) => m.type === type))}`);
  const joinedId = (m: Record<string, unknown>) => (m.participant as { userId: string }).userId;
  /** Moves the shared clock; `keep` send a heartbeat at the new time (they are alive), then both instances sweep. */
  const advance = async (ms: number, keep: TestSocket[]) => {
    clock.advance(ms);
    for (const s of keep) await alive(s);
    return Promise.all([a.services.signaling.sweep(), b.services.signaling.sweep()]);
  };

  test('participants on two instances see each other and exchange offer/answer/ICE; errors and leaves cross over', async () => {
    const { sessionId, users } = await privateSession(a, ['Two Ana', 'Two Ben', 'Two Cai']);
    const [ana, ben, cai] = users;
    const outsider = (await privateSession(a, ['Two Out', 'Two Zed'])).users[0];
    const sa = await open(a, ana, sessionId);
    assert.deepEqual((await sa.next('participant-list')).participants, []);
    const sb = await open(b, ben, sessionId);
    assert.deepEqual((await sb.next('participant-list')).participants, [
      { userId: ana.id, displayName: 'Two Ana', role: 'host', micEnabled: true, cameraEnabled: true },
    ]);
    const joined = await sa.next('participant-joined');
    assert.deepEqual(joined, { type: 'participant-joined', participant: { userId: ben.id, displayName: 'Two Ben', role: 'participant', micEnabled: true, cameraEnabled: true } });

    // The newcomer offers; the answer and ICE come back; fromUserId is always the sender's own.
    sb.send({ type: 'offer', toUserId: ana.id, sdp: 'v=0 from ben', fromUserId: cai.id });
    assert.deepEqual(await sa.next('offer'), { type: 'offer', fromUserId: ben.id, toUserId: ana.id, sdp: 'v=0 from ben' });
    sa.send({ type: 'answer', toUserId: ben.id, sdp: 'v=0 from ana' });
    assert.deepEqual(await sb.next('answer'), { type: 'answer', fromUserId: ana.id, toUserId: ben.id, sdp: 'v=0 from ana' });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, extra: 'dropped' };
    sa.send({ type: 'ice-candidate', toUserId: ben.id, candidate, fromUserId: 'forged' });
    assert.deepEqual(await sb.next('ice-candidate'), {
      type: 'ice-candidate',
      fromUserId: ana.id,
      toUserId: ben.id,
      candidate: { candidate: candidate.candidate, sdpMid: '0', sdpMLineIndex: 0 },
    });

    // Not connected anywhere, or not in the session: an error to the sender, nothing delivered.
    const elsewhere = await open(b, outsider, (await a.app.inject({ method: 'GET', url: '/api/sessions/current', headers: outsider.headers })).json().id);
    await elsewhere.next('participant-list');
    for (const toUserId of [cai.id, outsider.id, 'nobody']) {
      sa.send({ type: 'offer', toUserId, sdp: 'v=0 lost' });
      assert.equal((await sa.next('error')).code, 'PEER_NOT_FOUND', toUserId);
    }
    await barrier(sa, sb, ben.id);
    none(elsewhere, 'offer');

    // Media state crosses, and a newcomer on A sees Ben's (on B) in its list.
    sb.send({ type: 'media-state', micEnabled: false, cameraEnabled: true });
    assert.deepEqual(await sa.next('media-state'), { type: 'media-state', userId: ben.id, micEnabled: false, cameraEnabled: true });
    const sc = await open(a, cai, sessionId);
    const list = await sc.next('participant-list');
    assert.deepEqual(listedIds(list), [ana.id, ben.id].sort());
    assert.equal((list.participants as { userId: string; micEnabled: boolean }[]).find((p) => p.userId === ben.id)?.micEnabled, false);
    assert.equal(joinedId(await sb.next('participant-joined')), cai.id);

    // Ben leaves through instance A's API: his socket on B is closed, everyone is told at once.
    const left = await a.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/leave`, headers: ben.headers });
    assert.equal(left.statusCode, 200, left.body);
    assert.deepEqual(await sb.closed, { code: 1000, reason: 'LEFT' });
    for (const s of [sa, sc]) assert.deepEqual(await s.next('participant-left'), { type: 'participant-left', userId: ben.id, reason: 'left' });
  });

  test('a second connection on the other instance replaces the first (4409): reconnected, never left', async () => {
    const { sessionId, users } = await privateSession(a, ['Rep Dee', 'Rep Eve']);
    const [dee, eve] = users;
    const e = await open(a, eve, sessionId);
    await e.next('participant-list');
    const d1 = await open(a, dee, sessionId);
    await d1.next('participant-list');
    await e.next('participant-joined');

    const d2 = await open(b, dee, sessionId);
    assert.deepEqual(listedIds(await d2.next('participant-list')), [eve.id]);
    assert.deepEqual(await d1.closed, { code: 4409, reason: 'REPLACED' });
    const again = await e.next('participant-joined');
    assert.equal(joinedId(again), dee.id);
    assert.equal(again.reconnected, true);

    // Relays now go to the new connection on B; and after the window, still nobody left.
    e.send({ type: 'offer', toUserId: dee.id, sdp: 'v=0 to the new one' });
    assert.equal((await d2.next('offer')).sdp, 'v=0 to the new one');
    await advance(31_000, [d2, e]);
    await barrier(d2, e, eve.id);
    none(e, 'participant-left');
    assert.ok(b.services.signaling.isConnected(sessionId, dee.id));
  });

  test('a drop on one instance and a return on the other inside the window: reconnected, no participant-left; without return: left once', async () => {
    const { sessionId, users } = await privateSession(a, ['Win Fay', 'Win Gus', 'Win Hal']);
    const [fay, gus, hal] = users;
    // One admission after the other: Hal's claim on B must not overtake Gus's on A, or Hal would
    // hold a first `participant-joined` of Gus that the reconnect assertions below would read.
    const f = await open(a, fay, sessionId);
    await f.next('participant-list');
    const g1 = await open(a, gus, sessionId);
    await g1.next('participant-list');
    const h = await open(b, hal, sessionId);
    assert.deepEqual(listedIds(await h.next('participant-list')), [fay.id, gus.id].sort());
    for (let k = 0; k < 2; k++) await f.next('participant-joined');
    await g1.next('participant-joined');

    await g1.close();
    await waitUntil(() => !a.services.signaling.isConnected(sessionId, gus.id), 'instance A noticed the drop');
    await advance(20_000, [f, h]);
    const g2 = await open(b, gus, sessionId);
    assert.deepEqual(listedIds(await g2.next('participant-list')), [fay.id, hal.id].sort());
    for (const s of [f, h]) {
      const back = await s.next('participant-joined');
      assert.equal(joinedId(back), gus.id);
      assert.equal(back.reconnected, true);
    }
    await advance(31_000, [f, g2, h]);
    await barrier(g2, f, fay.id);
    await barrier(f, h, hal.id);
    none(f, 'participant-left');
    none(h, 'participant-left');

    // Hal drops from B and does not come back: both instances sweep, Fay (on A) hears it once.
    await h.close();
    await waitUntil(() => !b.services.signaling.isConnected(sessionId, hal.id), 'instance B noticed the drop');
    await advance(29_000, [f, g2]);
    await barrier(g2, f, fay.id);
    none(f, 'participant-left');
    const swept = await advance(1_000, [f, g2]);
    assert.equal(swept[0].left + swept[1].left, 1, 'one instance finalizes the drop');
    assert.deepEqual(await f.next('participant-left'), { type: 'participant-left', userId: hal.id, reason: 'disconnected' });
    assert.deepEqual(await g2.next('participant-left'), { type: 'participant-left', userId: hal.id, reason: 'disconnected' });
    await barrier(g2, f, fay.id);
    none(f, 'participant-left');
  });

  test('session changes made on either instance reach the sockets of both: started, host-changed, ended (4410, and refused after)', async () => {
    const { sessionId, users } = await privateSession(a, ['End Ivy', 'End Jo', 'End Kat']);
    const [ivy, jo, kat] = users;
    const i = await open(a, ivy, sessionId);
    await i.next('participant-list');
    clock.advance(1_000); // Jo joins before Kat: he is next in line for host
    const j = await open(b, jo, sessionId);
    await j.next('participant-list');
    clock.advance(1_000);
    const k = await open(a, kat, sessionId);
    await k.next('participant-list');

    const started = await a.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/start`, headers: ivy.headers });
    assert.equal(started.statusCode, 200, started.body);
    for (const s of [i, j, k]) assert.equal((await s.next('session-started')).type, 'session-started');

    // The host leaves through A: Jo (on B) becomes host; everyone hears it, a newcomer sees it.
    assert.equal((await a.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/leave`, headers: ivy.headers })).statusCode, 200);
    for (const s of [j, k]) {
      assert.deepEqual(await s.next('participant-left'), { type: 'participant-left', userId: ivy.id, reason: 'left' });
      assert.deepEqual(await s.next('host-changed'), { type: 'host-changed', hostUserId: jo.id });
    }
    const k2 = await open(a, kat, sessionId);
    const list = await k2.next('participant-list');
    assert.deepEqual(list.participants, [{ userId: jo.id, displayName: 'End Jo', role: 'host', micEnabled: true, cameraEnabled: true }]);

    // The new host ends it through B: the sockets on A are closed too.
    const ended = await b.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/end`, headers: jo.headers });
    assert.equal(ended.statusCode, 200, ended.body);
    for (const s of [j, k2]) {
      assert.deepEqual(await s.next('session-ended'), { type: 'session-ended', reason: 'host_ended' });
      assert.deepEqual(await s.closed, { code: 4410, reason: 'SESSION_ENDED' });
    }
    for (const on of [a, b]) assert.equal((await openUntilClosed(signalingUrl(url.get(on)!, `token=${kat.token}&sessionId=${sessionId}`))).code, 4410);
  });

  test('a ticket issued by one instance is redeemed by the other, once', async () => {
    const { sessionId, users } = await privateSession(a, ['Tix Kim', 'Tix Lea']);
    const res = await a.app.inject({ method: 'POST', url: '/api/signaling/tickets', headers: users[0].headers, payload: { sessionId } });
    const ticket = res.json().ticket as string;
    const s = await open(b, ticket, sessionId);
    await s.next('participant-list');
    assert.deepEqual(await openUntilClosed(signalingUrl(url.get(a)!, `token=${ticket}&sessionId=${sessionId}`)), { frames: [], code: 4401, reason: 'INVALID_TICKET' });
  });

  test('the per-user socket cap counts sockets on every instance', async () => {
    const s1 = await privateSession(a, ['Cap Max', 'Cap N1']);
    const s2 = await privateSession(a, ['Cap Max', 'Cap N2']);
    const s3 = await privateSession(a, ['Cap Max', 'Cap N3']);
    const max = s1.users[0];
    await (await open(a, max, s1.sessionId)).next('participant-list');
    await (await open(b, max, s2.sessionId)).next('participant-list');
    assert.deepEqual(await (await open(a, max, s3.sessionId)).closed, { code: 4429, reason: 'TOO_MANY_CONNECTIONS' });
    assert.deepEqual(await (await open(b, max, s3.sessionId)).closed, { code: 4429, reason: 'TOO_MANY_CONNECTIONS' });
  });

  test('an instance that dies without closing: survivors announce its sockets as dropped once their heartbeat keys expire', async () => {
    // The victim writes heartbeat keys with a 2 s TTL, so the real wait stays short.
    const victim = await createTestApp({ clock, env: { ...env, SIGNALING_HEARTBEAT_TTL: '2s', JOBS_INTERVAL: '1s' }, database });
    try {
      url.set(victim, await victim.listen());
      const { sessionId, users } = await privateSession(a, ['Dead Ned', 'Dead Oda', 'Dead Pia']);
      const [ned, oda, pia] = users;
      const n = await open(a, ned, sessionId);
      await n.next('participant-list');
      const o = await open(victim, oda, sessionId);
      const p = await open(victim, pia, sessionId);
      for (const s of [o, p]) await s.next('participant-list');
      await n.next('participant-joined');
      await n.next('participant-joined');

      // The crash: the victim's Redis connections vanish, then its TCP connections reset.
      (victim.services.signaling.state as RedisSignalingState).kill();
      o.ws.terminate();
      p.ws.terminate();

      // Until the keys expire, the survivors leave the entries alone.
      assert.equal((await a.services.signaling.sweep()).orphaned, 0);
      const heartbeatKey = (u: TestUser) => `${prefix}session:heartbeat:${sessionId}:${u.id}`;
      assert.equal(await redis.exists(heartbeatKey(oda)), 1);
      const deadline = Date.now() + 10_000;
      while ((await redis.exists(heartbeatKey(oda), heartbeatKey(pia))) > 0) {
        assert.ok(Date.now() < deadline, 'the heartbeat keys should expire after 2 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const [fromA, fromB] = await Promise.all([a.services.signaling.sweep(), b.services.signaling.sweep()]);
      assert.equal(fromA.orphaned + fromB.orphaned, 2, 'each orphan is claimed by one survivor');
      assert.equal(await redis.hlen(`${prefix}session:ws:${sessionId}`), 1, 'only Ned is still present');

      // Pia comes back (to instance B) inside the reconnect window; Oda does not.
      await advance(10_000, [n]);
      const p2 = await open(b, pia, sessionId);
      assert.deepEqual(listedIds(await p2.next('participant-list')), [ned.id]);
      const back = await n.next('participant-joined');
      assert.equal(joinedId(back), pia.id);
      assert.equal(back.reconnected, true);
      await advance(20_000, [n, p2]);
      assert.deepEqual(await n.next('participant-left'), { type: 'participant-left', userId: oda.id, reason: 'disconnected' });
      assert.deepEqual(await p2.next('participant-left'), { type: 'participant-left', userId: oda.id, reason: 'disconnected' });
      await barrier(p2, n, ned.id);
      none(n, 'participant-left');
      await a.services.signaling.idle();
      await b.services.signaling.idle();
      const stored = (await a.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: ned.headers })).json();
      const now = (id: string) => stored.participants.find((x: { userId: string }) => x.userId === id);
      assert.equal(now(oda.id).status, 'disconnected');
      assert.notEqual(now(oda.id).leftAt, null, 'Oda left when the window passed');
      assert.equal(now(pia.id).status, 'connected');
    } finally {
      await victim.close();
    }
  });
});
