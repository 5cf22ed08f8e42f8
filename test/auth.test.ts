import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { createTestApp, type TestApp } from './helpers/harness.ts';
import { TestSocket } from './helpers/ws-client.ts';

/**
 * The auth-service's side of DESIGN 2 "RS256 via the auth-service's JWKS": a real HTTP server
 * publishing a key set, whose answers a test can break and mend.
 */
class KeySetServer {
  keys: JWK[] = [];
  /** When set, the key set answers this status and no keys. */
  failWith: number | null = null;
  fetches = 0;
  private readonly server = http.createServer((_req, res) => {
    this.fetches++;
    if (this.failWith !== null) {
      res.writeHead(this.failWith).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function rsaKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A token as the auth-service issues it. */
function issue(key: CryptoKey, kid: string, sub: string, name: string, alg = 'RS256'): Promise<string> {
  return new SignJWT({ name, roles: [] }).setProtectedHeader({ alg, kid }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(key);
}

const me = (t: TestApp, token: string) => t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });

describe('RS256 tokens through the auth-service key set (AUTH_JWKS_URL, DESIGN 2)', () => {
  const keySet = new KeySetServer();
  let t: TestApp;
  let current: { privateKey: CryptoKey; jwk: JWK };
  before(async () => {
    current = await rsaKey('k1');
    keySet.keys = [current.jwk];
    t = await createTestApp({ env: { AUTH_JWKS_URL: await keySet.start() } });
  });
  after(async () => {
    await t.close();
    await keySet.stop();
  });

  test('a token of the key set is accepted on REST and on the signaling socket; development sign-in is off', async () => {
    const config = (await t.app.inject({ method: 'GET', url: '/api/auth/config' })).json();
    assert.equal(config.devMode, false);
    const dev = await t.app.inject({ method: 'POST', url: '/api/dev/token', payload: { name: 'Eve' } });
    assert.equal(dev.statusCode, 403);
    assert.equal(dev.json().error.code, 'DEV_SIGN_IN_DISABLED');

    const token = await issue(current.privateKey, 'k1', 'learner-1', 'Inès');
    const res = await me(t, token);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual({ id: res.json().id, name: res.json().name }, { id: 'learner-1', name: 'Inès' });

    const created = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: { authorization: `Bearer ${token}` }, payload: { type: 'private', targetLanguageCode: 'es' } });
    assert.equal(created.statusCode, 201, created.body);
    const socket = await TestSocket.open(await t.listen(), token, (created.json() as { id: string }).id);
    try {
      assert.deepEqual((await socket.next('participant-list')).participants, []);
    } finally {
      socket.close();
    }
  });

  test('a token signed by another key, naming an unknown key, signed with HS256 or unsigned is refused', async () => {
    const stranger = await rsaKey('k1');
    const hmac = new TextEncoder().encode('a-secret-this-service-does-not-accept-0123456789');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', name: 'x' })).toString('base64url')}.`;
    const forged = [
      await issue(stranger.privateKey, 'k1', 'learner-1', 'Forged'),
      await issue(stranger.privateKey, 'k9', 'learner-1', 'Unknown kid'),
      await new SignJWT({ name: 'HS' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('learner-1').setExpirationTime('1h').sign(hmac),
      none,
    ];
    for (const token of forged) {
      const res = await me(t, token);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().error.code, 'INVALID_TOKEN');
    }
  });

  test('a token naming a key the set lacks does not refetch the set on every request; a published new key is used', async () => {
    const next = await rsaKey('k2');
    const rotated = await issue(next.privateKey, 'k2', 'learner-2', 'Rotated');
    const fetches = keySet.fetches;
    for (let i = 0; i < 5; i++) assert.equal((await me(t, rotated)).statusCode, 401, 'k2 is not published yet');
    assert.ok(keySet.fetches - fetches <= 1, `forged kids cost at most one fetch per 30 s (${keySet.fetches - fetches} fetches)`);

    keySet.keys = [current.jwk, next.jwk];
    const restarted = await createTestApp({ env: { AUTH_JWKS_URL: t.config.auth.jwksUrl! } });
    try {
      const res = await me(restarted, rotated);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await me(restarted, await issue(current.privateKey, 'k1', 'learner-1', 'Inès'))).statusCode, 200, 'the previous key still works');
    } finally {
      await restarted.close();
    }
  });

  test('the key set unreachable is a 503 AUTH_UNAVAILABLE, not a 401; the same token works once it answers', async () => {
    let res;
    const broken = new KeySetServer();
    broken.failWith = 500;
    const u = await createTestApp({ env: { AUTH_JWKS_URL: await broken.start() } });
    try {
      const token = await issue(current.privateKey, 'k1', 'learner-3', 'Patient');
      res = await me(u, token);
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'AUTH_UNAVAILABLE');
      broken.failWith = null;
      broken.keys = [current.jwk];
      res = await me(u, token);
      assert.equal(res.statusCode, 200, 'once the key set answers, the same token works');
      const fetches = broken.fetches;
      assert.equal((await me(u, token)).statusCode, 200);
      assert.equal(broken.fetches, fetches, 'the key set is cached between requests');
    } finally {
      await u.close();
      await broken.stop();
    }
  });
});

describe('a shared secret and a key set together', () => {
  test('HS256 tokens of JWT_SECRET and RS256 tokens of the key set are both accepted', async () => {
    const keySet = new KeySetServer();
    const k = await rsaKey('k1');
    keySet.keys = [k.jwk];
    const secret = 'shared-secret-of-the-auth-service-0123456789';
    const t = await createTestApp({ env: { AUTH_JWKS_URL: await keySet.start(), JWT_SECRET: secret } });
    try {
      const hs = await new SignJWT({ name: 'Hana' }).setProtectedHeader({ alg: 'HS256' }).setSubject('hana').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
      const rs = await issue(k.privateKey, 'k1', 'rui', 'Rui');
      assert.equal((await me(t, hs)).json().id, 'hana');
      assert.equal((await me(t, rs)).json().id, 'rui');
    } finally {
      await t.close();
      await keySet.stop();
    }
  });
});
