import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { CloudEvent } from '../../src/modules/outbox/cloud-event.ts';
import { WebhookSink } from '../../src/modules/outbox/sinks/webhook-sink.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { createTestApp, type TestUser } from '../helpers/harness.ts';
import { outboxSettled } from '../helpers/database.ts';

/**
 * Events to Standard Webhooks endpoints (issue 10, DESIGN 4.8): each event is one signed POST that
 * the `standardwebhooks` reference library verifies, and a tampered body does not; no redirect is
 * followed; 4xx parks the key, 5xx and timeouts are retried. A real HTTP server receives them.
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('webhooks', () => {
  const received: Received[] = [];
  /** What the endpoint answers next, per path (default 204). */
  const answers = new Map<string, number[]>();
  let server: http.Server;
  let base: string;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        if (req.url === '/slow') return void setTimeout(() => res.writeHead(204).end(), 1_000);
        const status = answers.get(req.url ?? '')?.shift() ?? 204;
        if (status === 302) res.writeHead(302, { location: `${base}/elsewhere` }).end();
        else res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('every event arrives as a signed POST the reference library verifies; a tampered body fails', async () => {
    const t = await createTestApp({ clock: undefined, env: { EVENT_WEBHOOK_URLS: `${base}/hook`, EVENT_WEBHOOK_SECRET: SECRET } });
    try {
      t.clock.set(Date.now()); // the library checks the timestamp against the wall clock (5 minutes of tolerance)
      const host: TestUser = await t.user('Hook Host');
      const session = (await t.app.inject({ method: 'POST', url: '/api/sessions', headers: host.headers, payload: { type: 'private', targetLanguageCode: 'es' } })).json();
      await t.app.inject({ method: 'POST', url: `/api/sessions/${session.id}/start`, headers: host.headers, payload: {} });
      await outboxSettled(t.database.db); // other files' transactions on a shared PostgreSQL server
      await t.runJobs();
      const mine = received.filter((r) => r.path === '/hook' && JSON.parse(r.body).subject === session.id);
      assert.equal(mine.length, 1);
      const [hit] = mine;
      const event = JSON.parse(hit.body) as CloudEvent;
      assert.equal(event.type, 'session.started');
      assert.equal(hit.headers['content-type'], 'application/cloudevents+json');
      assert.equal(hit.headers['webhook-id'], event.id);
      assert.match(String(hit.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
      const headers = { 'webhook-id': String(hit.headers['webhook-id']), 'webhook-timestamp': String(hit.headers['webhook-timestamp']), 'webhook-signature': String(hit.headers['webhook-signature']) };
      assert.deepEqual(new Webhook(SECRET).verify(hit.body, headers), event, 'verified by the reference library');
      assert.throws(() => new Webhook(SECRET).verify(hit.body.replace('session.started', 'session.ended'), headers), /signature/i, 'a tampered body fails');
      assert.throws(() => new Webhook('whsec_' + Buffer.from('another secret of 32 bytes!!!!!!').toString('base64')).verify(hit.body, headers), 'another secret fails');
    } finally {
      await t.close();
    }
  });

  test('5xx is retried, 4xx parks the key, a redirect is not followed, a slow endpoint times out', async () => {
    const sink = (path: string, timeoutMs = 5_000) => new WebhookSink(`${base}${path}`, SECRET, systemClock, timeoutMs);
    const event = (id: string): CloudEvent => ({
      specversion: '1.0',
      id,
      source: '/conversation-service',
      type: 'session.started',
      time: new Date().toISOString(),
      subject: 's1',
      datacontenttype: 'application/json',
      dataschema: 'urn:conversation-service:session.started:v1',
      partitionkey: 's1',
      data: { sessionId: 's1' },
    });
    answers.set('/flaky', [503]);
    const flaky = await sink('/flaky').publish([{ key: 's1', events: [event('e1'), event('e2')] }]);
    assert.deepEqual(flaky, [{ key: 's1', delivered: 0, error: { message: `webhook ${new URL(base).host} answered 503`, poison: false } }], 'retriable');
    const again = await sink('/flaky').publish([{ key: 's1', events: [event('e1'), event('e2')] }]);
    assert.deepEqual(again, [{ key: 's1', delivered: 2 }]);

    answers.set('/picky', [204, 400]);
    const picky = await sink('/picky').publish([{ key: 's1', events: [event('p1'), event('p2'), event('p3')] }]);
    assert.equal(picky[0].delivered, 1, 'the first went through, the second was refused, the third not tried');
    assert.equal(picky[0].error?.poison, true, '4xx: the endpoint refuses this event, retrying cannot help');
    assert.equal(received.filter((r) => r.path === '/picky').length, 2);

    answers.set('/moved', [302]);
    const moved = await sink('/moved').publish([{ key: 's1', events: [event('m1')] }]);
    assert.match(moved[0].error?.message ?? '', /302 \(redirects are not followed\)/);
    assert.equal(received.filter((r) => r.path === '/elsewhere').length, 0);

    const slow = await sink('/slow', 100).publish([{ key: 's1', events: [event('t1')] }]);
    assert.equal(slow[0].error?.message, `webhook ${new URL(base).host}: no answer within 100 ms`);
    assert.equal(slow[0].error?.poison, false);

    const nowhere = await new WebhookSink('http://127.0.0.1:1/hook?token=secret-in-query', SECRET, systemClock).publish([{ key: 's1', events: [event('n1')] }]);
    assert.doesNotMatch(nowhere[0].error?.message ?? '', /secret-in-query/, 'the URL\'s query never reaches logs or stored errors');
  });

  test('configuration: a secret is required, and only https outside development', () => {
    assert.throws(() => loadConfig({ EVENT_WEBHOOK_URLS: 'https://hooks.example.com/x' }), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith('EVENT_WEBHOOK_SECRET')));
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), EVENT_WEBHOOK_URLS: 'http://hooks.example.com/x', EVENT_WEBHOOK_SECRET: SECRET }),
      (err: unknown) => err instanceof ConfigError && err.problems.includes('EVENT_WEBHOOK_URLS: "hooks.example.com" must use https outside development'),
    );
    assert.throws(() => loadConfig({ EVENT_WEBHOOK_URLS: 'https://h.example.com', EVENT_WEBHOOK_SECRET: 'not-a-whsec' }), /EVENT_WEBHOOK_SECRET: must be a whsec_ secret/);
    assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), EVENT_WEBHOOK_URLS: 'https://h.example.com/x', EVENT_WEBHOOK_SECRET: SECRET }).events.webhookUrls.length, 1);
  });
});
