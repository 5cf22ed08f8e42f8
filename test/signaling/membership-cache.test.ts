import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMatchedSession, createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { alive } from './support.ts';

/**
 * Admission answers from the membership the session's first admission read (issue 14,
 * `sessions/membership-cache.ts`); what changed since must still decide: a leave refuses the
 * member, a media state they set is what the others see when they come back.
 */
describe('signaling admission from the membership in memory', () => {
  let t: TestApp;
  let baseUrl: string;

  before(async () => {
    t = await createTestApp();
    baseUrl = await t.listen();
  });
  after(() => t.close());

  async function joined(user: TestUser, sessionId: string): Promise<TestSocket> {
    const s = await TestSocket.open(baseUrl, user.token, sessionId);
    await s.next('participant-list');
    return s;
  }

  test('a member admitted before who leaves through the API is refused on coming back (4403 LEFT_SESSION)', async () => {
    const m = await createMatchedSession(t, ['Cora Cache', 'Dan Cache']);
    const [cora, dan] = m.users;
    const sessionId = m.sessionIds.get(cora.id)!;
    const c = await joined(cora, sessionId);
    const d = await joined(dan, sessionId);
    const left = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/leave`, headers: cora.headers });
    assert.equal(left.statusCode, 200);
    await c.closed;
    await d.next('participant-left');
    const back = await TestSocket.open(baseUrl, cora.token, sessionId);
    assert.deepEqual(await back.closed, { code: 4403, reason: 'LEFT_SESSION' });
    await d.close();
  });

  test('a member who turned the microphone off and reconnects is announced with it off', async () => {
    const m = await createMatchedSession(t, ['Eva Cache', 'Finn Cache']);
    const [eva, finn] = m.users;
    const sessionId = m.sessionIds.get(eva.id)!;
    const e = await joined(eva, sessionId);
    const f = await joined(finn, sessionId);
    e.send({ type: 'media-state', micEnabled: false, cameraEnabled: true });
    await f.next('media-state');
    await alive(e);
    await t.services.signaling.idle(); // the media state is stored
    await e.close();
    const again = await joined(eva, sessionId);
    const announced = await f.next('participant-joined');
    assert.equal((announced.participant as { micEnabled: boolean }).micEnabled, false);
    await again.close();
    await f.close();
  });
});
