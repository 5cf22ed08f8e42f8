import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { createTestApp, type TestApp } from './helpers/harness.ts';
import { TestSocket } from './helpers/ws-client.ts';

/**
 * Token rules (issue 13, DESIGN 4.1), each refused case on its own, on REST (401 with an RFC 6750
 * `WWW-Authenticate: Bearer error="invalid_token"` challenge) and on the signaling upgrade (4401):
 * no `exp`, expired, `nbf` in the future, wrong `iss`, wrong `aud`, `alg: none`, HS256 signed with
 * the public RS256 key, 16 KiB, bad base64url. The app accepts RS256 tokens of a real key-set
 * server and checks issuer and audience.
 */
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'conversation-service';

describe('token rules on REST and on the signaling upgrade', () => {
  let t: TestApp;
  let base: string;
  let sessionId: string;
  let privateKey: CryptoKey;
  let publicPem: string;
  let keySet: http.Server;

  /** A token as the auth-service would issue it, with `claims` changed. */
  const issue = (claims: { iss?: string; aud?: string; exp?: number | null; nbf?: number; iat?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const body = { name: 'Tokens', roles: [], iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, ...claims } as Record<string, unknown>;
    if (claims.exp === null) delete body.exp;
    return new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('token-user').sign(privateKey);
  };

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    keySet = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => keySet.listen(0, '127.0.0.1', resolve));
    t = await createTestApp({
      env: { AUTH_JWKS_URL: `http://127.0.0.1:${(keySet.address() as AddressInfo).port}/jwks.json`, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
    });
    base = await t.listen();
    const good = await issue();
    const created = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: { authorization: `Bearer ${good}` }, payload: { type: 'private', targetLanguageCode: 'fr' } });
    assert.equal(created.statusCode, 201, created.body);
    sessionId = created.json().id;
  });
  after(async () => {
    await t.close();
    await new Promise<void>((resolve) => keySet.close(() => resolve()));
  });

  /** Asserts the token is refused on both doors. */
  async function refused(token: string): Promise<void> {
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="conversation-service", error="invalid_token"');
    assert.match(res.json().error.code, /^(INVALID_TOKEN|TOKEN_EXPIRED)$/);
    const socket = await TestSocket.open(base, token, sessionId);
    assert.equal((await socket.closed).code, 4401);
  }

  test('a well-formed token passes both doors (the baseline)', async () => {
    const token = await issue();
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    const socket = await TestSocket.open(base, token, sessionId);
    await socket.next('participant-list');
    await socket.close();
  });

  test('no exp: refused (a token that never expires)', async () => refused(await issue({ exp: null })));
  test('expired (beyond the clock tolerance)', async () => refused(await issue({ exp: Math.floor(Date.now() / 1000) - 60 })));
  test('nbf in the future', async () => refused(await issue({ nbf: Math.floor(Date.now() / 1000) + 120 })));
  test('iat in the future', async () => refused(await issue({ iat: Math.floor(Date.now() / 1000) + 120 })));
  test('wrong iss', async () => refused(await issue({ iss: 'https://evil.example.test' })));
  test('wrong aud', async () => refused(await issue({ aud: 'another-service' })));
  test('alg: none', async () => refused(new UnsecuredJWT({ sub: 'token-user', iss: ISSUER, aud: AUDIENCE }).setExpirationTime('1h').encode()));
  test('HS256 signed with the public RS256 key (algorithm confusion)', async () => {
    const forged = await new SignJWT({ name: 'Mallory', iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('token-user')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(publicPem));
    await refused(forged);
  });
  const padded = (bytes: number) =>
    new SignJWT({ pad: 'x'.repeat(bytes), iss: ISSUER, aud: AUDIENCE }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('token-user').setExpirationTime('1h').sign(privateKey);
  test('over 8 KiB: refused before any cryptography', async () => {
    const big = await padded(9 * 1024);
    assert.ok(big.length > 8 * 1024 && big.length < 14 * 1024);
    await refused(big);
  });
  test('16 KiB: refused (on the wire, Node\'s 16 KiB header limit answers 431 before the service sees it)', async () => {
    const huge = await padded(16 * 1024);
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${huge}` } });
    assert.equal(res.statusCode, 401);
    const wire = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${huge}` } });
    assert.equal(wire.status, 431);
    await assert.rejects(TestSocket.open(base, huge, sessionId), /Unexpected server response: 431/);
  });
  test('bad base64url', async () => {
    const good = await issue();
    const [h, , s] = good.split('.');
    await refused(`${h}.%%%not-base64url%%%.${s}`);
    await refused(`${h}.${Buffer.from(crypto.randomBytes(40)).toString('base64url')}.${s}`);
  });
  test('no token at all: a bare Bearer challenge', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="conversation-service"');
  });
  test('within the clock tolerance, a token just expired still passes (skew between servers)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${await issue({ exp: Math.floor(Date.now() / 1000) - 3 })}` } });
    assert.equal(res.statusCode, 200);
  });
});
