import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { useListeningApp } from '../helpers/listening-app.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { assertNothing, openUntilClosed, privateSession, signalingUrl, waitUntil } from './support.ts';

/**
 * Single-use signaling tickets (issue 4, DESIGN 4.3): `POST /api/signaling/tickets` gives an
 * authenticated member a short-lived ticket that opens the socket instead of the JWT; a ticket is
 * bound to its user and session and works once. And the per-user socket cap.
 */
describe('signaling tickets', () => {
  const fixture = useListeningApp();
  let t: TestApp;
  before(() => ({ t } = fixture));

  const issue = (user: TestUser, sessionId: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/signaling/tickets', headers: user.headers, payload: { sessionId } });
  const withTicket = (ticket: string, sessionId: string) => openUntilClosed(signalingUrl(fixture.baseUrl, `token=${encodeURIComponent(ticket)}&sessionId=${sessionId}`));

  test('a member gets a 30 s ticket that opens the socket as that member, once', async () => {
    const { sessionId, users } = await privateSession(t, ['Tik Ana', 'Tik Ben']);
    const [ana, ben] = users;
    const b = await fixture.open(ben, sessionId);
    await b.next('participant-list');

    const res = await issue(ana, sessionId);
    assert.equal(res.statusCode, 201, res.body);
    const { ticket, expiresAt } = res.json() as { ticket: string; expiresAt: string };
    assert.match(ticket, /^st_[A-Za-z0-9_-]{43}$/);
    assert.equal(expiresAt, new Date(t.clock.now().getTime() + 30_000).toISOString());

    const a = await fixture.open(ticket, sessionId);
    const list = await a.next('participant-list');
    assert.deepEqual((list.participants as { userId: string }[]).map((p) => p.userId), [ben.id]);
    assert.equal(((await b.next('participant-joined')).participant as { userId: string }).userId, ana.id, 'the ticket stands for its user');

    // Used once: the same ticket is refused, and the open connection is untouched.
    assert.deepEqual(await withTicket(ticket, sessionId), { frames: [], code: 4401, reason: 'INVALID_TICKET' });
    await assertNothing(b, 'participant-left');
    assert.equal(a.ws.readyState, a.ws.OPEN);
  });

  test('expired, unknown, forged or other-session tickets: 4401 before any frame (and a refused ticket is spent)', async () => {
    const one = await privateSession(t, ['Exp Cai', 'Exp Dee']);
    const two = await privateSession(t, ['Exp Cai', 'Exp Eve']);
    const cai = one.users[0];

    const expiring = (await issue(cai, one.sessionId)).json().ticket as string;
    t.clock.advance(30_000);
    assert.deepEqual(await withTicket(expiring, one.sessionId), { frames: [], code: 4401, reason: 'INVALID_TICKET' });

    const almost = (await issue(cai, one.sessionId)).json().ticket as string;
    t.clock.advance(29_999);
    const ok = await fixture.open(almost, one.sessionId);
    await ok.next('participant-list');
    await ok.close();

    const forOne = (await issue(cai, one.sessionId)).json().ticket as string;
    assert.equal((await withTicket(forOne, two.sessionId)).code, 4401, 'bound to its session');
    assert.equal((await withTicket(forOne, one.sessionId)).code, 4401, 'spent by the refused attempt');
    assert.equal((await withTicket(`st_${'A'.repeat(43)}`, one.sessionId)).code, 4401, 'unknown');
    assert.equal((await withTicket(`${forOne.slice(0, -1)}x`, one.sessionId)).code, 4401, 'altered');
  });

  test('only an authenticated member of an open session gets a ticket', async () => {
    const { sessionId, users } = await privateSession(t, ['Mem Fay', 'Mem Gus']);
    const stranger = await t.user('Not Member');
    assert.equal((await issue(stranger, sessionId)).json().error.code, 'NOT_A_PARTICIPANT');
    assert.equal((await issue(stranger, sessionId)).statusCode, 403);
    assert.equal((await issue(users[0], '00000000-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await issue(users[0], '')).statusCode, 400);
    assert.equal((await issue(users[0], undefined)).statusCode, 400);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/signaling/tickets', payload: { sessionId } });
    assert.equal(anonymous.statusCode, 401);
  });
});

describe('signaling ticket rate limit and per-user socket cap', () => {
  let t: TestApp;
  let baseUrl: string;
  const sockets: TestSocket[] = [];
  before(async () => {
    t = await createTestApp({ env: { SIGNALING_TICKETS_PER_MINUTE: '3', SIGNALING_MAX_SOCKETS_PER_USER: '2' } });
    baseUrl = await t.listen();
  });
  after(async () => {
    for (const s of sockets) if (s.ws.readyState !== s.ws.CLOSED) await s.close();
    await t.close();
  });
  const open = async (user: TestUser, sessionId: string) => {
    const s = await TestSocket.open(baseUrl, user.token, sessionId);
    sockets.push(s);
    return s;
  };

  test('tickets are limited per user (SIGNALING_TICKETS_PER_MINUTE): 429 beyond', async () => {
    const { sessionId, users } = await privateSession(t, ['Rate Jo', 'Rate Kim']);
    const ask = (u: TestUser) => t.app.inject({ method: 'POST', url: '/api/signaling/tickets', headers: u.headers, payload: { sessionId } });
    for (let i = 0; i < 3; i++) assert.equal((await ask(users[0])).statusCode, 201);
    const limited = await ask(users[0]);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.equal((await ask(users[1])).statusCode, 201, 'per user');
  });

  test('a user connected to SIGNALING_MAX_SOCKETS_PER_USER sessions cannot open one more (4429 TOO_MANY_CONNECTIONS); replacing one is fine', async () => {
    const s1 = await privateSession(t, ['Cap Lea', 'Cap M1']);
    const s2 = await privateSession(t, ['Cap Lea', 'Cap M2']);
    const s3 = await privateSession(t, ['Cap Lea', 'Cap M3']);
    const lea = s1.users[0];
    const a1 = await open(lea, s1.sessionId);
    await a1.next('participant-list');
    const a2 = await open(lea, s2.sessionId);
    await a2.next('participant-list');

    const third = await open(lea, s3.sessionId);
    assert.deepEqual(await third.closed, { code: 4429, reason: 'TOO_MANY_CONNECTIONS' });
    assert.ok(third.hasNo('participant-list'));
    const watcher = await open(s3.users[1], s3.sessionId);
    const list = await watcher.next('participant-list');
    assert.deepEqual(list.participants, [], 'the refused socket never counted as present');

    // A second connection to a session she is already in replaces the first: not an extra socket.
    const a2again = await open(lea, s2.sessionId);
    await a2again.next('participant-list');
    assert.equal((await a2.closed).code, 4409);

    // Once one of her sockets closes, the third session opens.
    await a1.close();
    await waitUntil(() => !t.services.signaling.isConnected(s1.sessionId, lea.id), 'the drop was noticed');
    const a3 = await open(lea, s3.sessionId);
    await a3.next('participant-list');
    assert.equal(((await watcher.next('participant-joined')).participant as { userId: string }).userId, lea.id);
  });
});
