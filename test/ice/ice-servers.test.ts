import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { IceService, turnCredentials } from '../../src/modules/ice/ice.service.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';
import { turnAllocate } from './turn-client.ts';

/**
 * `GET /api/ice-servers` (issue 4, DESIGN 3): STUN and time-limited TURN credentials in coturn's
 * `use-auth-secret` scheme, checked against a real coturn started on 127.0.0.1 (Debian package
 * `coturn`; CI installs it with `scripts/install-debian-tools.sh`). The browser relay test
 * (`iceTransportPolicy: 'relay'`) belongs to the web client's suite.
 */
interface IceServersBody {
  iceServers: { urls: string[]; username?: string; credential?: string }[];
  ttlSeconds: number;
}

describe('GET /api/ice-servers without TURN settings', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('authenticated callers get an empty list (host candidates only); anonymous ones 401', async () => {
    const ana = await t.user('Ice Ana');
    const res = await t.app.inject({ method: 'GET', url: '/api/ice-servers', headers: ana.headers });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { iceServers: [], ttlSeconds: 3600 });
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/ice-servers' })).statusCode, 401);
  });
});

describe('TURN settings', () => {
  test('TURN_URLS and TURN_SECRET go together; URLs and the TTL are checked', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ DATA_DIR: '/tmp/x', ...env });
        return [];
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
    };
    assert.deepEqual(problems({ TURN_URLS: 'turn:a:3478' }), ['TURN_SECRET: required when TURN_URLS is set']);
    assert.deepEqual(problems({ TURN_SECRET: 's' }), ['TURN_URLS: required when TURN_SECRET is set']);
    assert.match(problems({ TURN_URLS: 'http://a', TURN_SECRET: 's' })[0], /^TURN_URLS: "http:\/\/a" is not a URL/);
    assert.match(problems({ STUN_URLS: 'turn:a' })[0], /^STUN_URLS/);
    assert.match(problems({ TURN_URLS: 'turn:a', TURN_SECRET: 's', TURN_TTL: '10s' })[0], /^TURN_TTL/);
    const ok = loadConfig({ DATA_DIR: '/tmp/x', TURN_URLS: 'turn:a:3478?transport=udp, turns:a:5349', TURN_SECRET: 's', STUN_URLS: 'stun:a:3478' });
    assert.deepEqual(ok.turn, { urls: ['turn:a:3478?transport=udp', 'turns:a:5349'], secret: 's', ttlMs: 3_600_000, stunUrls: ['stun:a:3478'] });
  });

  test('the credential is base64(HMAC-SHA1(secret, "<unix expiry>:<userId>"))', () => {
    const now = new Date('2026-03-01T10:00:00.000Z');
    const { username, credential, expiresAt } = turnCredentials('s3cret', 'user:42', now, 3_600_000);
    assert.equal(username, `${Date.parse('2026-03-01T11:00:00Z') / 1000}:user:42`);
    assert.equal(credential, crypto.createHmac('sha1', 's3cret').update(username).digest('base64'));
    assert.equal(expiresAt.toISOString(), '2026-03-01T11:00:00.000Z');
  });
});

// Missing coturn fails (with an install hint), it is never skipped.
describe('GET /api/ice-servers with a real coturn', () => {
  const secret = crypto.randomBytes(24).toString('base64url');
  let coturn: Coturn;
  let t: TestApp;

  before(async () => {
    coturn = await startCoturn(secret);
    t = await createTestApp({
      env: {
        TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp,turn:127.0.0.1:${coturn.port}?transport=tcp`,
        TURN_SECRET: secret,
        TURN_TTL: '10m',
        STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
      },
    });
    // coturn checks expiries against the real time: start the manual clock there.
    t.clock.set(Date.now());
  });
  after(async () => {
    await t?.close();
    await coturn?.stop();
  });

  const allocate = (server: { username?: string; credential?: string }) =>
    turnAllocate({ host: '127.0.0.1', port: coturn.port, username: server.username!, password: server.credential! });

  test('returns STUN and TURN servers with credentials valid TURN_TTL, which coturn accepts', async () => {
    const ana = await t.user('Turn Ana');
    const res = await t.app.inject({ method: 'GET', url: '/api/ice-servers', headers: ana.headers });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json() as IceServersBody;
    assert.equal(body.ttlSeconds, 600);
    assert.deepEqual(body.iceServers[0], { urls: [`stun:127.0.0.1:${coturn.port}`] });
    const turn = body.iceServers[1];
    assert.deepEqual(turn.urls, [`turn:127.0.0.1:${coturn.port}?transport=udp`, `turn:127.0.0.1:${coturn.port}?transport=tcp`]);
    assert.equal(turn.username, `${Math.floor(t.clock.now().getTime() / 1000) + 600}:${ana.id}`);

    const outcome = await allocate(turn);
    assert.ok(outcome.ok, `coturn refused the credentials: ${JSON.stringify(outcome)}\n${coturn.output().slice(-1500)}`);
    assert.equal(outcome.relayed.address, '127.0.0.1');
  });

  test('coturn refuses expired credentials and credentials signed with another secret (401)', async () => {
    const ben = await t.user('Turn Ben');
    // Issued 11 minutes ago with a 10-minute TTL: expired a minute ago.
    t.clock.set(Date.now() - 11 * 60_000);
    const stale = (await t.app.inject({ method: 'GET', url: '/api/ice-servers', headers: ben.headers })).json() as IceServersBody;
    t.clock.set(Date.now());
    const expired = await allocate(stale.iceServers[1]);
    assert.equal(!expired.ok && expired.errorCode, 401, JSON.stringify(expired));

    const otherSecret = new IceService({ ...t.config.turn, secret: 'not-the-coturn-secret' }).iceServers(ben.id, t.clock.now());
    const refused = await allocate(otherSecret.iceServers[1]);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.errorCode, 401);

    // The same user, fresh credentials: accepted (the refusals above were about the credentials).
    const fresh = (await t.app.inject({ method: 'GET', url: '/api/ice-servers', headers: ben.headers })).json() as IceServersBody;
    assert.equal((await allocate(fresh.iceServers[1])).ok, true);
  });
});
