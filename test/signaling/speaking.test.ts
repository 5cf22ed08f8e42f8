import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TestApp, TestUser } from '../helpers/harness.ts';
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
