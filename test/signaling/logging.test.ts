import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createServices } from '../../src/container.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { createMatchedSession, type TestApp } from '../helpers/harness.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { openUntilClosed, signalingUrl, waitUntil } from './support.ts';

/**
 * DESIGN 4.1: the token never appears in logs, although the upgrade URL carries it. The app is
 * built like the harness does, but with every log line (level trace) captured.
 */
describe('signaling logs', () => {
  const lines: string[] = [];
  let t: TestApp;
  let baseUrl: string;

  before(async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-signaling-log-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'trace', RATE_LIMIT_PER_MINUTE: '100000' });
    const database = await openTestDatabase();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('trace', sink);
    const services = createServices({ config, database, clock, logger });
    const app = await buildApp({ config, services, database, clock, logger });
    await app.ready();
    t = {
      app,
      services,
      config,
      database,
      clock,
      async user(name) {
        const id = `u-${name.toLowerCase()}`;
        const token = await services.auth.sign({ sub: id, name, roles: name === 'Admin' ? ['admin'] : [] });
        return { id, name, token, headers: { authorization: `Bearer ${token}` } };
      },
      async listen() {
        await app.listen({ port: 0, host: '127.0.0.1' });
        const address = app.server.address();
        if (!address || typeof address === 'string') throw new Error('no TCP address');
        return `http://127.0.0.1:${address.port}`;
      },
      async runJobs() {
        const failed = await services.jobs.runAll(clock.now());
        if (failed.length) throw new Error(`jobs failed: ${failed.join(', ')}`);
      },
      async close() {
        await services.signaling.stop();
        await app.close();
        await database.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
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
});
