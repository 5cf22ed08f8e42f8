import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { DatabaseHandle } from '../../src/db/client.ts';
import type { RedisSignalingState } from '../../src/modules/signaling/redis-state.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { alive, listedIds, privateSession } from './support.ts';

/**
 * Dead instances (issue 13, seed 003 definition of done: a disconnection noticed in under 30 s):
 * each instance keeps a liveness key of its own in the real Redis on 127.0.0.1; once a killed
 * instance's key lapses, the survivors turn all its sockets into drops dated at its last refresh,
 * without waiting for the 45 s heartbeat keys. So `participant-left` follows the kill by the
 * reconnect window (30 s) plus at most one sweep, and a user who comes back elsewhere inside the
 * window is announced `reconnected`.
 *
 * The service clock is a manual one (the reconnect window runs on it); the liveness key expires in
 * Redis's wall-clock time, so the test waits for that (about 1 s, the victim's TTL) for real.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('an instance killed with sockets open (Redis)', () => {
  const prefix = `cs-test-${crypto.randomBytes(6).toString('hex')}:`;
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, JWT_SECRET: crypto.randomBytes(32).toString('hex') };
  const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);
  let database: DatabaseHandle;
  let redis: Redis;
  let a: TestApp;
  let b: TestApp;
  let urlA: string;
  let urlB: string;
  const sockets: TestSocket[] = [];

  before(async () => {
    redis = new Redis(REDIS_URL);
    database = await openTestDatabase();
    a = await createTestApp({ clock, env, database });
    b = await createTestApp({ clock, env, database });
    [urlA, urlB] = [await a.listen(), await b.listen()];
  });
  after(async () => {
    await Promise.all(sockets.map((s) => (s.ws.readyState === s.ws.CLOSED ? undefined : s.close())));
    await a?.close();
    await b?.close();
    await database?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const open = async (url: string, user: TestUser, sessionId: string) => {
    const s = await TestSocket.open(url, user.token, sessionId);
    sockets.push(s);
    return s;
  };
  const sweepBoth = () => Promise.all([a.services.signaling.sweep(), b.services.signaling.sweep()]);
  const instances = () => redis.hgetall(`${prefix}signaling:instances`);

  test('survivors notice the death within the instance TTL, back-date the drops, and announce participant-left within window + 10 s', async () => {
    // The victim's liveness key lives 1 s; its heartbeat keys keep the default 45 s, so only the
    // instance key can explain a quick detection.
    const victim = await createTestApp({ clock, env: { ...env, SIGNALING_INSTANCE_TTL: '1s' }, database });
    const victimState = victim.services.signaling.state as RedisSignalingState;
    try {
      const urlV = await victim.listen();
      const { sessionId, users } = await privateSession(a, ['Kill Ned', 'Kill Oda', 'Kill Pia']);
      const [ned, oda, pia] = users;
      const n = await open(urlA, ned, sessionId);
      await n.next('participant-list');
      const o = await open(urlV, oda, sessionId);
      const p = await open(urlV, pia, sessionId);
      for (const s of [o, p]) await s.next('participant-list');
      await n.next('participant-joined');
      await n.next('participant-joined');
      assert.ok(victimState.instanceId in (await instances()), 'the victim announced itself');

      // The kill, at service time T0: the victim's last refresh recorded T0.
      const killedAt = clock.nowMs();
      victimState.kill();
      o.ws.terminate();
      p.ws.terminate();
      const killedReal = Date.now();
      const aliveKey = `${prefix}signaling:instance:${victimState.instanceId}:alive`;
      assert.equal((await a.services.signaling.sweep()).orphaned, 0, 'while the key lives, the victim is presumed alive');
      while ((await redis.exists(aliveKey)) === 1) {
        assert.ok(Date.now() - killedReal < 5_000, 'the victim\'s liveness key should lapse after 1 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(await redis.exists(`${prefix}session:heartbeat:${sessionId}:${oda.id}`), 1, 'the heartbeat keys still live: the old rule would wait 45 s');

      // The survivors sweep 5 s (service time) after the kill; the drops count from T0, not from then.
      clock.advance(5_000);
      await alive(n);
      const [fromA, fromB] = await sweepBoth();
      assert.equal(fromA.orphaned + fromB.orphaned, 2, 'each of the victim\'s sockets is claimed once');
      assert.deepEqual(await redis.hlen(`${prefix}session:ws:${sessionId}`), 1, 'only Ned is still present');
      assert.ok(!(victimState.instanceId in (await instances())), 'the dead instance is forgotten');
      const drops = await redis.zrange(`${prefix}signaling:drops`, 0, -1, 'WITHSCORES');
      assert.deepEqual(drops.filter((_, i) => i % 2 === 0).sort(), [`${sessionId}\n${oda.id}`, `${sessionId}\n${pia.id}`].sort());
      for (let i = 1; i < drops.length; i += 2) assert.equal(Number(drops[i]), killedAt, 'drops are dated at the victim\'s last refresh');

      // Pia comes back, on instance B, inside the window: reconnected, never left.
      clock.advance(5_000);
      const p2 = await open(urlB, pia, sessionId);
      assert.deepEqual(listedIds(await p2.next('participant-list')), [ned.id]);
      const back = await n.next('participant-joined');
      assert.equal((back.participant as { userId: string }).userId, pia.id);
      assert.equal(back.reconnected, true);

      // One second before the window closes (T0 + 29 s): nobody has left yet.
      clock.set(killedAt + 29_000);
      for (const s of [n, p2]) await alive(s);
      await sweepBoth();
      assert.ok(n.hasNo('participant-left'));
      // At T0 + 30 s the next sweep announces Oda; the default sweep period (JOBS_INTERVAL, 5 s) keeps it within T0 + 40 s.
      clock.set(killedAt + 30_000);
      for (const s of [n, p2]) await alive(s);
      await sweepBoth();
      assert.deepEqual(await n.next('participant-left'), { type: 'participant-left', userId: oda.id, reason: 'disconnected' });
      assert.deepEqual(await p2.next('participant-left'), { type: 'participant-left', userId: oda.id, reason: 'disconnected' });
      await a.services.signaling.idle();
      await b.services.signaling.idle();
      const stored = (await a.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: ned.headers })).json();
      const row = (id: string) => stored.participants.find((x: { userId: string }) => x.userId === id);
      assert.equal(new Date(row(oda.id).leftAt).getTime(), killedAt, 'Oda left when the victim was last seen alive');
      assert.equal(row(pia.id).status, 'connected');
    } finally {
      await victim.close();
    }
  });

  test('an instance paused past its liveness TTL closes the sockets a survivor took (1012), and the user comes back reconnected', async () => {
    // A long TTL: the paused instance's own timer does not renew its key during the test.
    const paused = await createTestApp({ clock, env: { ...env, SIGNALING_INSTANCE_TTL: '60s' }, database });
    const pausedState = paused.services.signaling.state as RedisSignalingState;
    try {
      const urlP = await paused.listen();
      const { sessionId, users } = await privateSession(a, ['Pause Quin', 'Pause Rhea']);
      const [quin, rhea] = users;
      const q = await open(urlA, quin, sessionId);
      await q.next('participant-list');
      const r = await open(urlP, rhea, sessionId);
      await r.next('participant-list');
      await q.next('participant-joined');
      const rheaOwner = await redis.hget(`${prefix}session:ws:${sessionId}`, rhea.id);

      // What a pause (GC, SIGSTOP, a frozen VM) longer than its TTL looks like to the others: its
      // liveness key is gone while its sockets stay open.
      await redis.del(`${prefix}signaling:instance:${pausedState.instanceId}:alive`);
      clock.advance(5_000);
      await alive(q);
      assert.equal((await a.services.signaling.sweep()).orphaned, 1, "a survivor takes Rhea's presence as an orphan");

      // The paused instance runs again: its next sweep finds Rhea's presence taken and closes her socket.
      const resumed = await paused.services.signaling.sweep();
      assert.equal(resumed.lost, 1);
      assert.deepEqual(await r.closed, { code: 1012, reason: 'PRESENCE_LOST' });
      await paused.services.signaling.idle();

      // Rhea's client reconnects (on A here) inside the window: announced as reconnected, never left.
      const r2 = await open(urlA, rhea, sessionId);
      assert.deepEqual(listedIds(await r2.next('participant-list')), [quin.id]);
      const back = await q.next('participant-joined');
      assert.equal((back.participant as { userId: string }).userId, rhea.id);
      assert.equal(back.reconnected, true);
      assert.ok(q.hasNo('participant-left'));

      // What a stale entry reads as: replaced while another connection holds it, orphaned once
      // nobody does, ended once the session ended.
      const stale = () => pausedState.refresh([{ sessionId, userId: rhea.id, owner: rheaOwner!, atMs: clock.nowMs() }]);
      assert.deepEqual((await stale()).map((l) => l.why), ['replaced']);
      await redis.hdel(`${prefix}session:ws:${sessionId}`, rhea.id);
      assert.deepEqual((await stale()).map((l) => l.why), ['orphaned']);
      await redis.set(`${prefix}signaling:ended:${sessionId}`, 'host_ended', 'PX', 60_000);
      assert.deepEqual((await stale()).map((l) => l.why), ['ended']);
      await redis.del(`${prefix}signaling:ended:${sessionId}`);
    } finally {
      await paused.close();
    }
  });

  test('a graceful stop takes the instance out of the liveness hash', async () => {
    const other = await createTestApp({ clock, env, database });
    const id = (other.services.signaling.state as RedisSignalingState).instanceId;
    assert.ok(id in (await instances()));
    await other.close();
    assert.ok(!(id in (await instances())));
    assert.equal(await redis.exists(`${prefix}signaling:instance:${id}:alive`), 0);
  });
});
