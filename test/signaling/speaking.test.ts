import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TestApp, TestUser } from '../helpers/harness.ts';
import { outboxSettled } from '../helpers/database.ts';
import { useListeningApp } from '../helpers/listening-app.ts';
import { alive, assertNothing, privateSession, waitUntil } from './support.ts';

/**
 * `speaking` (voice activity, seed 002 AC4 speaking time) and `host-changed` (seed 002 AC6) over
 * signaling. The clock is manual.
 */
describe('signaling speaking and host changes', () => {
  const fixture = useListeningApp();
  let t: TestApp;
  before(() => ({ t } = fixture));

  const participant = async (viewer: TestUser, sessionId: string, userId: string) => {
    await t.services.signaling.idle();
    const res = await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: viewer.headers });
    return res.json().participants.find((p: { userId: string }) => p.userId === userId) as { speakingTimeSeconds: number; role: string };
  };

  test('speaking is broadcast to the others when it changes; each stretch adds to the speaking time, also when the socket drops mid-stretch', async () => {
    const { sessionId, users } = await privateSession(t, ['Spk Ana', 'Spk Ben', 'Spk Cai']);
    const [ana, ben, cai] = users;
    const a = await fixture.open(ana, sessionId);
    const b = await fixture.open(ben, sessionId);
    const c = await fixture.open(cai, sessionId);
    for (const s of [a, b, c]) await s.next('participant-list');

    a.send({ type: 'speaking', speaking: true, userId: ben.id });
    for (const s of [b, c]) assert.deepEqual(await s.next('speaking'), { type: 'speaking', userId: ana.id, speaking: true }, 'userId set by the server');
    await assertNothing(a, 'speaking');
    a.send({ type: 'speaking', speaking: true });
    await assertNothing(b, 'speaking'); // a repeat is no change

    t.clock.advance(7_000);
    a.send({ type: 'speaking', speaking: false });
    assert.deepEqual(await b.next('speaking'), { type: 'speaking', userId: ana.id, speaking: false });
    assert.equal((await participant(cai, sessionId, ana.id)).speakingTimeSeconds, 7);

    b.send({ type: 'speaking', speaking: true });
    await a.next('speaking');
    t.clock.advance(4_500);
    await b.close();
    await waitUntil(() => !t.services.signaling.isConnected(sessionId, ben.id), 'the drop was noticed');
    assert.equal((await participant(cai, sessionId, ben.id)).speakingTimeSeconds, 4, 'the open stretch ended with the connection');

    // A newcomer hears who is speaking right now, after the participant list.
    a.send({ type: 'speaking', speaking: true });
    await c.next('speaking');
    const late = await t.user('Spk Dan');
    const invite = (await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: ana.headers })).json() as { inviteCode: string };
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/sessions/join', headers: late.headers, payload: { inviteCode: invite.inviteCode } })).statusCode, 201);
    const d = await fixture.open(late, sessionId);
    await d.next('participant-list');
    assert.deepEqual(await d.next('speaking'), { type: 'speaking', userId: ana.id, speaking: true }, 'Ana is speaking; Cai is not');
    await assertNothing(d, 'speaking');
    a.send({ type: 'speaking', speaking: false });
    await d.next('speaking');

    a.send({ type: 'speaking', speaking: 'yes' });
    assert.equal((await a.next('error')).code, 'INVALID_MESSAGE');
  });

  test('quick toggles are written together, and nothing is lost', async () => {
    const { sessionId, users } = await privateSession(t, ['Vad Dee', 'Vad Eve']);
    const [dee, eve] = users;
    const d = await fixture.open(dee, sessionId);
    const e = await fixture.open(eve, sessionId);
    await d.next('participant-list');
    await e.next('participant-list');
    // Ten 300 ms stretches 100 ms apart, as a voice-activity detector produces them.
    for (let i = 0; i < 10; i++) {
      d.send({ type: 'speaking', speaking: true });
      await alive(d);
      t.clock.advance(300);
      d.send({ type: 'speaking', speaking: false });
      await alive(d);
      t.clock.advance(100);
    }
    for (let i = 0; i < 20; i++) await e.next('speaking');
    await t.services.signaling.sweep(); // writes what was still pending
    assert.equal((await participant(eve, sessionId, dee.id)).speakingTimeSeconds, 3);
  });

  /** The outbox events of `type` about `sessionId`, oldest first, read as the platform reads them. */
  const eventsAbout = async (sessionId: string, type: string) => {
    await outboxSettled(t.database.db);
    const admin = await t.user('Spk Events Admin', { admin: true });
    const found: { data: Record<string, unknown> }[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { statusCode: number; body: string; json: () => unknown } = await t.app.inject({ method: 'GET', url: '/api/admin/events', headers: admin.headers, query: { limit: '500', ...(after ? { after } : {}) } });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as { items: { type: string; subject: string; id: string; data: Record<string, unknown> }[]; nextCursor: string | null };
      found.push(...page.items.filter((e) => e.type === type && e.subject === sessionId));
      if (page.items.length < 500 || !page.nextCursor) return found;
      after = page.nextCursor;
    }
  };

  test('a stretch still open when the participant leaves or the host ends the session counts in participant.left and session.ended', async () => {
    const { sessionId, users } = await privateSession(t, ['Open Ida', 'Open Jon', 'Open Kim']);
    const [ida, jon, kim] = users;
    const i = await fixture.open(ida, sessionId);
    const j = await fixture.open(jon, sessionId);
    const k = await fixture.open(kim, sessionId);
    for (const s of [i, j, k]) await s.next('participant-list');
    const started = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/start`, headers: ida.headers });
    assert.equal(started.statusCode, 200, started.body);

    // Jon speaks 2.5 s, stops (written within a second), then starts again and is still speaking
    // 3 s later when he presses Leave: 5 s in all, 3 of them in a stretch nobody has closed.
    j.send({ type: 'speaking', speaking: true });
    await alive(j);
    t.clock.advance(2_500);
    j.send({ type: 'speaking', speaking: false });
    await alive(j);
    t.clock.advance(200);
    j.send({ type: 'speaking', speaking: true });
    await alive(j);
    t.clock.advance(3_000);
    const left = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/leave`, headers: jon.headers });
    assert.equal(left.statusCode, 200, left.body);
    const [jonLeft] = await eventsAbout(sessionId, 'participant.left');
    assert.equal(jonLeft?.data.userId, jon.id);
    assert.equal(jonLeft?.data.speakingTimeSeconds, 5, 'participant.left counts the open stretch');

    // Kim speaks for 8 s and Ida for 4 s; the host ends the session with both still speaking.
    k.send({ type: 'speaking', speaking: true });
    await alive(k);
    t.clock.advance(4_000);
    i.send({ type: 'speaking', speaking: true });
    await alive(i);
    t.clock.advance(4_000);
    const ended = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/end`, headers: ida.headers });
    assert.equal(ended.statusCode, 200, ended.body);
    for (const s of [i, k]) assert.equal((await s.next('session-ended')).reason, 'host_ended');
    const [sessionEnded] = await eventsAbout(sessionId, 'session.ended');
    const spoke = Object.fromEntries(((sessionEnded?.data.participants ?? []) as { userId: string; speakingTimeSeconds: number }[]).map((p) => [p.userId, p.speakingTimeSeconds]));
    assert.deepEqual(spoke, { [ida.id]: 4, [jon.id]: 5, [kim.id]: 8 }, 'session.ended counts the stretches open at the end');

    // What the recap shows afterwards agrees with the events: nothing was counted twice.
    for (const [user, seconds] of [[ida, 4], [jon, 5], [kim, 8]] as const) assert.equal((await participant(ida, sessionId, user.id)).speakingTimeSeconds, seconds);
  });

  test('host-changed reaches every socket when the host leaves, and newcomers see the new host', async () => {
    const { sessionId, users } = await privateSession(t, ['Host Fay', 'Host Gus', 'Host Hal']);
    const [fay, gus, hal] = users;
    const f = await fixture.open(fay, sessionId);
    await f.next('participant-list');
    t.clock.advance(1_000);
    const g = await fixture.open(gus, sessionId);
    await g.next('participant-list');
    t.clock.advance(1_000);
    const h = await fixture.open(hal, sessionId);
    await h.next('participant-list');

    const left = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/leave`, headers: fay.headers });
    assert.equal(left.statusCode, 200, left.body);
    assert.deepEqual(await f.closed, { code: 1000, reason: 'LEFT' });
    for (const s of [g, h]) {
      assert.deepEqual(await s.next('participant-left'), { type: 'participant-left', userId: fay.id, reason: 'left' });
      assert.deepEqual(await s.next('host-changed'), { type: 'host-changed', hostUserId: gus.id });
    }
    // Hal reconnects: his list shows Gus as host.
    const h2 = await fixture.open(hal, sessionId);
    const list = await h2.next('participant-list');
    assert.deepEqual(list.participants, [{ userId: gus.id, displayName: 'Host Gus', role: 'host', micEnabled: true, cameraEnabled: true }]);
    assert.equal((await participant(gus, sessionId, gus.id)).role, 'host');
  });
});
