import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { openTestDatabase, postgresServerUrl } from '../helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { TestSocket } from '../helpers/ws-client.ts';

/**
 * The database goes away under a running service and comes back (issue 13): API calls answer 503
 * `DATABASE_UNAVAILABLE` with `Retry-After` (never 500), `/readyz` turns red, signaling admissions
 * close with 1013, and everything works again once the server is back, without a restart. The
 * outage is a TCP proxy the test cuts, so the shared PostgreSQL server stays up for other tests.
 */
describe('PostgreSQL outage under a running service', () => {
  let server: Awaited<ReturnType<typeof openTestDatabase>>;
  let proxy: TcpProxy;
  let database: DatabaseHandle;
  let t: TestApp;
  let base: string;
  let user: TestUser;
  let friend: TestUser;
  let sessionId: string;

  before(async () => {
    server = await openTestDatabase({ serverUrl: postgresServerUrl }); // creates the schema through a direct connection
    const direct = new URL(server.url!);
    proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(server.url!);
    viaProxy.port = String(await proxy.start());
    database = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: null, poolSize: 5, connectTimeoutMs: 1_000, statementTimeoutMs: 5_000 });
    t = await createTestApp({ database });
    base = await t.listen();
    user = await t.user('Outage Olga');
    const created = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: user.headers, payload: { type: 'private', targetLanguageCode: 'fr' } });
    assert.equal(created.statusCode, 201);
    sessionId = created.json().id;
    friend = await t.user('Outage Oleg');
    const joined = await t.app.inject({ method: 'POST', url: '/api/sessions/join', headers: friend.headers, payload: { inviteCode: created.json().inviteCode } });
    assert.equal(joined.statusCode, 201);
  });
  after(async () => {
    await t.close();
    await database.close().catch(() => undefined);
    await proxy.stop();
    await server.close();
  });

  const slots = () => t.app.inject({ method: 'GET', url: '/api/slots', headers: user.headers });

  test('503 with Retry-After during the outage, /readyz red, signaling 1013 for new sockets while connected ones keep relaying; all back once the server returns', async () => {
    assert.equal((await slots()).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    const olga = await TestSocket.open(base, user.token, sessionId);
    await olga.next('participant-list');
    const oleg = await TestSocket.open(base, friend.token, sessionId);
    await oleg.next('participant-list');
    await olga.next('participant-joined');

    proxy.cut();
    for (const res of [
      await slots(),
      await t.app.inject({ method: 'POST', url: '/api/sessions', headers: user.headers, payload: { type: 'private', targetLanguageCode: 'es' } }),
      await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: user.headers }),
    ]) {
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'DATABASE_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '5');
    }
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().status, 'unavailable');
    const refused = await TestSocket.open(base, user.token, sessionId);
    assert.deepEqual(await refused.closed, { code: 1013, reason: 'TRY_AGAIN_LATER' });
    // The call in progress goes on: relaying needs no database.
    olga.send({ type: 'offer', toUserId: friend.id, sdp: 'v=0 during the outage' });
    assert.equal((await oleg.next('offer')).sdp, 'v=0 during the outage');
    oleg.send({ type: 'answer', toUserId: user.id, sdp: 'v=0 answer' });
    assert.equal((await olga.next('answer')).sdp, 'v=0 answer');

    proxy.restore();
    assert.equal((await slots()).statusCode, 200, 'recovered without a restart');
    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    await Promise.all([olga.close(), oleg.close()]);
    const socket = await TestSocket.open(base, user.token, sessionId);
    await socket.next('participant-list');
    await socket.close();
  });

  test('a server that accepts but never answers is given up on at the connection timeout', async () => {
    // A listener that accepts and stays silent, as a hung server or a black-holed route does.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = new URL(server.url!);
    url.port = String((silent.address() as net.AddressInfo).port);
    await assert.rejects(openDatabase({ databaseUrl: url.toString(), dataDir: null, connectTimeoutMs: 300 }), /Cannot connect to PostgreSQL/);
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
