import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT, generateKeyPair } from 'jose';
import { createTestApp, type TestApp } from './helpers/harness.ts';
import { TestSocket } from './helpers/ws-client.ts';

/**
 * The token rules of `auth-tokens.test.ts` for HS256 tokens of `JWT_SECRET` (DESIGN 4.1), which
 * `fast-jwt` verifies (issue 14) where RS256 tokens of the key set go through jose: each refused
 * case on REST (401, RFC 6750 challenge) and on the signaling upgrade (4401), with issuer and
 * audience configured.
 */
const SECRET = 'a-shared-secret-of-the-platform-0123456789';
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'conversation-service';
const key = new TextEncoder().encode(SECRET);
const nowS = () => Math.floor(Date.now() / 1000);

describe('HS256 token rules on REST and on the signaling upgrade', () => {
  let t: TestApp;
  let base: string;
  let sessionId: string;

  /** A token as the platform would issue it with the shared secret, with `claims` changed (`null` removes one). */
  const issue = (claims: Record<string, unknown> = {}, secret = key) => {
    const body: Record<string, unknown> = { name: 'Tokens', roles: [], iss: ISSUER, aud: AUDIENCE, iat: nowS(), exp: nowS() + 3600, ...claims };
    for (const [k, v] of Object.entries(body)) if (v === null) delete body[k];
    return new SignJWT(body).setProtectedHeader({ alg: 'HS256' }).setSubject('hs-user').sign(secret);
  };

  before(async () => {
    t = await createTestApp({ env: { JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
    base = await t.listen();
    const created = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: { authorization: `Bearer ${await issue()}` }, payload: { type: 'private', targetLanguageCode: 'fr' } });
    assert.equal(created.statusCode, 201, created.body);
    sessionId = created.json().id;
  });
  after(() => t.close());

  async function refused(token: string, code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED' = 'INVALID_TOKEN'): Promise<void> {
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="conversation-service", error="invalid_token"');
    assert.equal(res.json().error.code, code);
    const socket = await TestSocket.open(base, token, sessionId);
    assert.equal((await socket.closed).code, 4401);
  }

  test('a well-formed token passes both doors, with its claims read', async () => {
    const token = await issue({ name: 'Inès', roles: ['instructor'], tier: 'premium', levels: { fr: 'B1' } });
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.statusCode, 200, me.body);
    assert.deepEqual({ id: me.json().id, name: me.json().name, roles: me.json().roles, tier: me.json().tier }, { id: 'hs-user', name: 'Inès', roles: ['instructor'], tier: 'premium' });
    const socket = await TestSocket.open(base, token, sessionId);
    await socket.next('participant-list');
    await socket.close();
  });

  test('no exp', async () => refused(await issue({ exp: null })));
  test('expired beyond the clock tolerance: TOKEN_EXPIRED', async () => refused(await issue({ exp: nowS() - 60 }), 'TOKEN_EXPIRED'));
  test('just expired, within the tolerance: accepted', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${await issue({ exp: nowS() - 3 })}` } });
    assert.equal(res.statusCode, 200, res.body);
  });
  test('nbf in the future', async () => refused(await issue({ nbf: nowS() + 120 })));
  test('iat in the future, or not a number', async () => {
    await refused(await issue({ iat: nowS() + 120 }));
    await refused(await issue({ iat: 'yesterday' }));
    await refused(await issue({ exp: String(nowS() + 3600) }));
  });
  test('wrong iss, and none', async () => {
    await refused(await issue({ iss: 'https://evil.example.test' }));
    await refused(await issue({ iss: null }));
  });
  test('wrong aud, and none', async () => {
    await refused(await issue({ aud: 'another-service' }));
    await refused(await issue({ aud: null }));
  });
  test('signed with another secret', async () => refused(await issue({}, new TextEncoder().encode('not-the-platform-secret-0123456789'))));
  test('payload changed after signing', async () => {
    const [h, , s] = (await issue()).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: nowS() + 3600 })).toString('base64url');
    await refused(`${h}.${forged}.${s}`);
  });
  test('alg: none, and RS256 where only a secret is configured', async () => {
    await refused(new UnsecuredJWT({ sub: 'hs-user', iss: ISSUER, aud: AUDIENCE }).setExpirationTime('1h').encode());
    const { privateKey } = await generateKeyPair('RS256');
    await refused(await new SignJWT({ iss: ISSUER, aud: AUDIENCE }).setProtectedHeader({ alg: 'RS256' }).setSubject('hs-user').setExpirationTime('1h').sign(privateKey));
  });
  test('not a JWT', async () => {
    await refused('not-a-token');
    await refused('a.b.c');
  });
});
