import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createMatchedSession, createTestApp, type TestApp } from '../helpers/harness.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { openUntilClosed, signalingUrl, waitUntil } from './support.ts';

/**
 * DESIGN 4.1: the token never appears in logs, although the upgrade URL carries it. Every log
 * line (level trace) is captured.
 */
describe('signaling logs', () => {
  const lines: string[] = [];
  let t: TestApp;
  let baseUrl: string;

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    t = await createTestApp({ logTo: sink });
    baseUrl = await t.listen();
  });
  after(() => t.close());

  test('accepted, refused and dropped connections log no token', async () => {
    const m = await createMatchedSession(t, ['Ana', 'Ben']);
    const [ana, ben] = m.users;
    const sessionId = m.sessionIds.get(ana.id)!;
    const stranger = await t.user('Stranger');
    lines.length = 0;

    const a = await TestSocket.open(baseUrl, ana.token, sessionId);
    await a.next('participant-list');
    assert.equal((await openUntilClosed(signalingUrl(baseUrl, `token=${stranger.token}&sessionId=${sessionId}`))).code, 4403);
    assert.equal((await openUntilClosed(signalingUrl(baseUrl, `token=${ben.token}x&sessionId=${sessionId}`))).code, 4401);
    await a.close();
    await waitUntil(() => !t.services.signaling.isConnected(sessionId, ana.id), 'the drop was noticed');
    await t.services.signaling.idle();

    const log = lines.join('');
    assert.match(log, /signaling: connected/, 'the capture works');
    assert.match(log, /signaling: connection refused/);
    assert.match(log, /signaling: dropped/);
    for (const token of [ana.token, stranger.token, ben.token]) {
      // Any of the three JWT parts would be a leak (the signature part most of all).
      for (const part of token.split('.')) assert.ok(!log.includes(part), `a token part was logged: ${part.slice(0, 12)}…`);
    }
  });

  test('signaling tickets (issued, used, reused) never reach the logs', async () => {
    const m = await createMatchedSession(t, ['Cai', 'Dee']);
    const [cai] = m.users;
    const sessionId = m.sessionIds.get(cai.id)!;
    lines.length = 0;

    const issued = await t.app.inject({ method: 'POST', url: '/api/signaling/tickets', headers: cai.headers, payload: { sessionId } });
    assert.equal(issued.statusCode, 201);
    const ticket = issued.json().ticket as string;
    const c = await TestSocket.open(baseUrl, ticket, sessionId);
    await c.next('participant-list');
    assert.equal((await openUntilClosed(signalingUrl(baseUrl, `token=${ticket}&sessionId=${sessionId}`))).code, 4401);
    await c.close();
    await waitUntil(() => !t.services.signaling.isConnected(sessionId, cai.id), 'the drop was noticed');
    await t.services.signaling.idle();

    const log = lines.join('');
    assert.match(log, /\/ws\/signaling\?token=\[REDACTED\]/, 'the upgrade request was logged, redacted');
    assert.ok(!log.includes(ticket.slice(3)), 'the ticket was logged');
  });
});
