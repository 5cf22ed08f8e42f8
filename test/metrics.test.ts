import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JobRunner } from '../src/jobs/job-runner.ts';
import type { MetricsListener } from '../src/modules/metrics/metrics-listener.ts';
import { createMatchedSession, createTestApp, type TestApp } from './helpers/harness.ts';
import { useListeningApp } from './helpers/listening-app.ts';
import { parsePrometheusText, sampleValue, type Family } from './helpers/prometheus-text.ts';
import { TestSocket } from './helpers/ws-client.ts';

/** `GET /metrics` (issue 14): Prometheus text, its protection, and counters that follow what happens. */

const TOKEN = 'metrics-token-for-tests-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Scrapes `url` with the token and parses the answer strictly. */
async function scrape(url: string): Promise<{ families: Map<string, Family>; text: string }> {
  const res = await fetch(url, { headers: bearer(TOKEN) });
  assert.equal(res.status, 200);
  const text = await res.text();
  return { families: parsePrometheusText(text), text };
}

describe('the Prometheus text parser of these tests', () => {
  test('refuses what a Prometheus server would refuse', () => {
    const ok = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 2\n';
    assert.equal(sampleValue(parsePrometheusText(ok), 'x_total', { a: '1' }), 2);
    for (const bad of [
      'x_total 1\n', // no TYPE
      '# TYPE x counter\nx{a=1} 1\n', // unquoted label value
      '# TYPE x gauge\nx 1\nx 2\n', // repeated series
      '# TYPE x gauge\nx one\n', // not a number
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 1\n', // +Inf differs from count
      '# TYPE x gauge\nx 1', // no final line feed
    ]) {
      assert.throws(() => parsePrometheusText(bad), Error, JSON.stringify(bad));
    }
  });
});

describe('GET /metrics on the public port, with METRICS_TOKEN', () => {
  const fixture = useListeningApp({ env: { METRICS_TOKEN: TOKEN } });
  let t: TestApp;
  let url: string;
  before(() => {
    t = fixture.t;
    url = `${fixture.baseUrl}/metrics`;
  });

  test('without the token or with a wrong one: 401 with a bearer challenge; with it: Prometheus text', async () => {
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="conversation-service"');
    const wrong = await fetch(url, { headers: bearer(`${TOKEN}x`) });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.equal((await fetch(url, { headers: { authorization: TOKEN } })).status, 401, 'the token without the Bearer scheme');
    const right = await fetch(url, { headers: bearer(TOKEN) });
    assert.equal(right.status, 200);
    assert.equal(right.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    parsePrometheusText(await right.text());
  });

  test('every required family is there with its TYPE, the pool gauges only on PostgreSQL', async () => {
    await t.runJobs();
    const { families } = await scrape(url);
    const expected: Record<string, string> = {
      conversation_websocket_open_sockets: 'gauge',
      conversation_signaling_relayed_frames_total: 'counter',
      conversation_signaling_admissions_total: 'counter',
      conversation_http_request_duration_seconds: 'histogram',
      conversation_job_duration_seconds: 'histogram',
      conversation_job_failures_total: 'counter',
      conversation_outbox_unpublished_events: 'gauge',
      conversation_outbox_oldest_unpublished_age_seconds: 'gauge',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) assert.equal(families.get(name)?.type, type, `${name} is a ${type}`);
    // Every known relay type is a series from the start (rate() works from the first scrape).
    for (const type of ['offer', 'answer', 'ice-candidate', 'other']) assert.equal(sampleValue(families, 'conversation_signaling_relayed_frames_total', { type }), 0);
    // The sweeps ran once each: one observation per job, no failure.
    assert.equal(sampleValue(families, 'conversation_job_duration_seconds_count', { job: 'outbox-prune' }), 1);
    assert.equal(sampleValue(families, 'conversation_job_failures_total', { job: 'outbox-prune' }), 0);
    assert.equal(sampleValue(families, 'conversation_outbox_unpublished_events'), 0, 'without sinks nothing waits');

    const pool = ['conversation_db_pool_connections_in_use', 'conversation_db_pool_connections_idle', 'conversation_db_pool_waiting_requests'];
    if (t.database.kind === 'postgres') {
      for (const name of pool) assert.equal(families.get(name)?.type, 'gauge', name);
      const open = sampleValue(families, pool[0]) + sampleValue(families, pool[1]);
      assert.ok(open >= 1 && open <= t.config.database.poolSize, `pool connections open: ${open}`);
    } else {
      for (const name of pool) assert.equal(families.has(name), false, `${name} is absent on PGlite`);
    }
  });

  test('two clients join and relay an offer: admissions and relayed frames move, no ids in labels', async () => {
    const m = await createMatchedSession(t, ['Ana', 'Ben']);
    const [ana, ben] = m.users;
    const sessionId = m.sessionIds.get(ana.id)!;
    const before = (await scrape(url)).families;

    const a = await fixture.open(ana, sessionId);
    const b = await fixture.open(ben, sessionId);
    await a.next('participant-list');
    await b.next('participant-list');
    a.send({ type: 'offer', toUserId: ben.id, sdp: 'v=0 offer' });
    assert.equal((await b.next('offer')).fromUserId, ana.id);

    const { families, text } = await scrape(url);
    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels) - sampleValue(before, name, labels);
    assert.equal(delta('conversation_signaling_admissions_total', { outcome: 'accepted' }), 2);
    assert.equal(delta('conversation_signaling_relayed_frames_total', { type: 'offer' }), 1);
    assert.equal(delta('conversation_signaling_relayed_frames_total', { type: 'answer' }), 0);
    assert.equal(sampleValue(families, 'conversation_websocket_open_sockets'), 2);
    for (const id of [sessionId, ana.id, ben.id, m.slotId]) assert.ok(!text.includes(id), `${id} appears in the metrics`);

    // A refused admission counts under its close code.
    const refused = await TestSocket.open(fixture.baseUrl, 'not-a-token', sessionId);
    assert.equal((await refused.closed).code, 4401);
    const afterRefusal = (await scrape(url)).families;
    assert.equal(sampleValue(afterRefusal, 'conversation_signaling_admissions_total', { outcome: '4401' }) - sampleValue(before, 'conversation_signaling_admissions_total', { outcome: '4401' }), 1);
  });

  test('HTTP latency is labelled by route template, method and status class, never by raw URL', async () => {
    const m = await createMatchedSession(t, ['Cai']);
    const [cai] = m.users;
    const res = await fetch(`${fixture.baseUrl}/api/slots/${m.slotId}`, { headers: cai.headers });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${fixture.baseUrl}/api/no-such-thing/${m.slotId}`)).status, 404);
    const { families, text } = await scrape(url);
    assert.ok(sampleValue(families, 'conversation_http_request_duration_seconds_count', { route: '/api/slots/:id', method: 'GET', status_class: '2xx' }) >= 1);
    assert.ok(sampleValue(families, 'conversation_http_request_duration_seconds_count', { route: 'unmatched', method: 'GET', status_class: '4xx' }) >= 1);
    assert.ok(!text.includes(m.slotId), 'the slot id appears in the metrics');
    assert.ok(!text.includes('no-such-thing'), 'a raw URL appears in the metrics');
  });

  test('a failing job run counts as a failure of that job', async () => {
    const runner = new JobRunner(
      [{ name: 'metrics-test-failing', run: async () => Promise.reject(new Error('boom')) }],
      { error: () => undefined, debug: () => undefined },
      t.services.metrics,
    );
    assert.deepEqual(await runner.runAll(t.clock.now()), ['metrics-test-failing']);
    const { families } = await scrape(url);
    assert.equal(sampleValue(families, 'conversation_job_failures_total', { job: 'metrics-test-failing' }), 1);
    assert.equal(sampleValue(families, 'conversation_job_duration_seconds_count', { job: 'metrics-test-failing' }), 1);
  });
});

describe('GET /metrics on METRICS_PORT, with an event sink that is down', () => {
  let t: TestApp;
  let publicUrl: string;
  let metricsUrl: string;
  before(async () => {
    t = await createTestApp({
      env: {
        METRICS_PORT: '0',
        METRICS_TOKEN: TOKEN,
        // Nothing listens there, and the relay's own timer never fires (manual timers): events wait.
        EVENT_WEBHOOK_URLS: 'http://127.0.0.1:9/events',
        EVENT_WEBHOOK_SECRET: `whsec_${Buffer.from('s'.repeat(24)).toString('base64')}`,
      },
    });
    publicUrl = await t.listen();
    const listener = (t.services.modules.find((m) => m.name === 'metrics') as unknown as { listener: MetricsListener }).listener;
    metricsUrl = `http://127.0.0.1:${listener.port}`;
  });
  after(() => t.close());

  test('served on its own port only, behind the token; the public port answers 404', async () => {
    const publicAnswer = await fetch(`${publicUrl}/metrics`, { headers: bearer(TOKEN) });
    assert.equal(publicAnswer.status, 404);
    assert.equal((await publicAnswer.json()).error.code, 'ROUTE_NOT_FOUND');
    const none = await fetch(`${metricsUrl}/metrics`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="conversation-service"');
    assert.equal((await fetch(`${metricsUrl}/metrics`, { headers: bearer('wrong') })).status, 401);
    assert.equal((await fetch(`${metricsUrl}/api/slots`, { headers: bearer(TOKEN) })).status, 404, 'nothing else on that port');
    await scrape(`${metricsUrl}/metrics`);
  });

  test('the outbox backlog and the age of its oldest event, at the injected clock', async () => {
    const admin = await t.user('Admin', { admin: true });
    const start = new Date(t.clock.now().getTime() + 60 * 60_000);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/slots',
      headers: admin.headers,
      payload: { targetLanguageCode: 'en', level: 'B1', startTime: start.toISOString(), durationMinutes: 30 },
    });
    assert.equal(created.statusCode, 201);
    const u = await t.user('Dee');
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/slots/${created.json().id}/registrations`, headers: u.headers })).statusCode, 201);
    t.clock.advance(90_000);
    const { families } = await scrape(`${metricsUrl}/metrics`);
    assert.ok(sampleValue(families, 'conversation_outbox_unpublished_events') >= 1, 'the registration event waits');
    assert.equal(sampleValue(families, 'conversation_outbox_oldest_unpublished_age_seconds'), 90);
  });
});

describe('GET /metrics with neither METRICS_TOKEN nor METRICS_PORT', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('is not served (404), whatever the token', async () => {
    for (const headers of [{}, bearer(TOKEN)]) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND');
    }
  });
});
