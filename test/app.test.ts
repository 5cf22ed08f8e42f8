import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { DatabaseOpenError, openDatabase } from '../src/db/client.ts';
import { createMatchedSession, createTestApp, type TestApp } from './helpers/harness.ts';
import { TestSocket } from './helpers/ws-client.ts';

describe('service foundation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('health and readiness probes', async () => {
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });

  test('the OpenAPI document lists the routes and the docs UI is served', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.equal(doc.openapi.startsWith('3.'), true);
    for (const p of ['/api/slots', '/api/slots/{id}/registrations', '/api/registrations/{id}', '/api/sessions/current']) {
      assert.ok(doc.paths[p], `missing ${p}`);
    }
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
  });

  test('unknown API routes answer the JSON error body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND');
    assert.ok(res.json().error.requestId);
  });

  test('development sign-in gives a working token; the same name is the same user', async () => {
    const config = (await t.app.inject({ method: 'GET', url: '/api/auth/config' })).json();
    assert.equal(config.devMode, true);
    const a = (await t.app.inject({ method: 'POST', url: '/api/dev/token', payload: { name: 'Zoé Martin' } })).json();
    const b = (await t.app.inject({ method: 'POST', url: '/api/dev/token', payload: { name: 'zoé martin' } })).json();
    assert.equal(a.user.id, b.user.id);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${a.token}` } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().name, 'Zoé Martin');
    const empty = await t.app.inject({ method: 'POST', url: '/api/dev/token', payload: { name: '   ' } });
    assert.equal(empty.statusCode, 400);
  });

  test('tokens signed with another secret, expired or with alg none are refused', async () => {
    const { SignJWT, UnsecuredJWT } = await import('jose');
    const other = await new SignJWT({ name: 'x' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)));
    const none = new UnsecuredJWT({ name: 'x' }).setSubject('x').encode();
    for (const token of [other, none]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 401);
    }
    const expired = await t.services.auth.sign({ sub: 'old', name: 'Old' }, -10);
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${expired}` } });
    assert.equal(res.json().error.code, 'TOKEN_EXPIRED');
  });
});

describe('logs never contain a token (DESIGN 4.1)', () => {
  test('neither the Authorization header nor a token in the signaling URL is logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const t = await createTestApp({ logTo: sink });
    try {
      const token = (await t.user('Secret User')).token;
      await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
      await t.app.inject({ method: 'GET', url: `/api/slots?token=${token}`, headers: { authorization: `Bearer ${token}` } });
      const ws = await TestSocket.open(await t.listen(), token, 'no-such-session');
      await ws.closed;
      const all = lines.join('');
      assert.ok(all.includes('/api/slots?token=[REDACTED]'), 'the URL is logged with the token redacted');
      assert.ok(!all.includes(token), 'the token itself never appears');
      assert.ok(!all.includes(token.split('.')[2]), 'not even its signature');
    } finally {
      await t.close();
    }
  });
});

describe('embedded database directory', () => {
  test('a second opener of the same DATA_DIR is refused with a clear message', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-lock-'));
    const first = await openDatabase({ databaseUrl: null, dataDir });
    try {
      await assert.rejects(openDatabase({ databaseUrl: null, dataDir }), (err: Error) => {
        assert.ok(err instanceof DatabaseOpenError);
        assert.match(err.message, /already/);
        return true;
      });
      // Another process is refused too.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        // The embedded database is what this is about, whichever database the suite runs on.
        env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // never hang the suite
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      clearTimeout(killer);
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`already in use by process ${process.pid}`));
    } finally {
      await first.close();
    }
    // Data survives a restart: the lock is released and the schema is there.
    const again = await openDatabase({ databaseUrl: null, dataDir });
    await again.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a data directory that cannot be opened fails start-up loudly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-bad-'));
    fs.mkdirSync(path.join(dataDir, 'pglite'));
    fs.writeFileSync(path.join(dataDir, 'pglite', 'PG_VERSION'), 'garbage\n');
    await assert.rejects(openDatabase({ databaseUrl: null, dataDir }), DatabaseOpenError);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('invalid configuration stops the process listing every bad key', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'x', RULES_START_GRACE: 'later', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 78);
    assert.match(stderr, /PORT/);
    assert.match(stderr, /RULES_START_GRACE/);
  });
});

describe('a matched session is only readable by its members', () => {
  test('GET /api/sessions/{id} is 404 for others', async () => {
    const t = await createTestApp();
    try {
      const m = await createMatchedSession(t, ['One', 'Two']);
      const stranger = await t.user('Stranger');
      const res = await t.app.inject({ method: 'GET', url: `/api/sessions/${m.sessionIds.get(m.users[0].id)}`, headers: stranger.headers });
      assert.equal(res.statusCode, 404);
    } finally {
      await t.close();
    }
  });
});
