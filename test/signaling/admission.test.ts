import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { createMatchedSession, createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { openUntilClosed, signalingUrl } from './support.ts';

/**
 * Admission to `/ws/signaling` (DESIGN 4.3, seed 003 AC1): token and membership are checked before
 * the upgrade; a refused client still gets a WebSocket, closed at once with the documented code
 * and no frame.
 */
describe('signaling admission', () => {
  let t: TestApp;
  let baseUrl: string;
  let sessionId: string;
  let member: TestUser;

  before(async () => {
    t = await createTestApp();
    baseUrl = await t.listen();
    const m = await createMatchedSession(t, ['Ana', 'Ben']);
    member = m.users[0];
    sessionId = m.sessionIds.get(member.id)!;
  });
  after(() => t.close());

  const refusal = (query: string) => openUntilClosed(signalingUrl(baseUrl, query));

  test('a member with a valid token inside the join window is admitted', async () => {
    const s = await TestSocket.open(baseUrl, member.token, sessionId);
    const list = await s.next('participant-list');
    assert.equal((list.session as { id: string }).id, sessionId);
    assert.equal((await s.close()).code, 1005);
  });

  test('bad, foreign-signed or missing token: 4401 before any frame', async () => {
    const garbage = await refusal(`token=not-a-jwt&sessionId=${sessionId}`);
    assert.deepEqual(garbage, { frames: [], code: 4401, reason: 'INVALID_TOKEN' });

    const foreign = await new SignJWT({ name: 'Mallory' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(member.id)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789'));
    const forged = await refusal(`token=${foreign}&sessionId=${sessionId}`);
    assert.deepEqual(forged, { frames: [], code: 4401, reason: 'INVALID_TOKEN' });

    assert.equal((await refusal(`sessionId=${sessionId}`)).code, 4401, 'no token');
    assert.equal((await refusal(`token=&sessionId=${sessionId}`)).code, 4401, 'empty token');
    assert.equal((await refusal(`token=a&token=b&sessionId=${sessionId}`)).code, 4401, 'token given twice');
  });

  test('a user who is not a participant: 4403', async () => {
    const stranger = await t.user('Stranger');
    const outcome = await refusal(`token=${stranger.token}&sessionId=${sessionId}`);
    assert.deepEqual(outcome, { frames: [], code: 4403, reason: 'NOT_A_PARTICIPANT' });
  });

  test('no such session (unknown, missing or oversized id): 4404', async () => {
    const unknown = await refusal(`token=${member.token}&sessionId=00000000-0000-4000-8000-000000000000`);
    assert.deepEqual(unknown, { frames: [], code: 4404, reason: 'SESSION_NOT_FOUND' });
    assert.equal((await refusal(`token=${member.token}`)).code, 4404, 'no sessionId');
    assert.equal((await refusal(`token=${member.token}&sessionId=${'x'.repeat(65)}`)).code, 4404, 'sessionId too long');
  });

  test('a browser page of a foreign origin gets HTTP 403 and no socket; the own origin and origin-less clients pass', async () => {
    const url = `${signalingUrl(baseUrl, `token=${member.token}&sessionId=${sessionId}`)}`;
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { origin: 'https://evil.example' } });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('a foreign origin was upgraded')));
      ws.on('error', () => undefined);
    });
    assert.equal(status, 403);

    const own = await TestSocket.open(baseUrl, member.token, sessionId, { origin: baseUrl });
    await own.next('participant-list');
    await own.close();
  });

  test('a plain HTTP GET (no upgrade) is not a signaling connection', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/ws/signaling?token=${member.token}&sessionId=${sessionId}` });
    assert.equal(res.statusCode, 404);
  });
});
