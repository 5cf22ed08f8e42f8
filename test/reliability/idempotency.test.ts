import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/locks.ts';
import { sessions } from '../../src/db/schema.ts';
import { outboxSettled } from '../helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';

/**
 * `Idempotency-Key` (issue 13) on `POST /api/slots/{id}/registrations` and `POST /api/sessions`,
 * over real HTTP on the suite's database (PGlite, or the PostgreSQL server with
 * `TEST_DATABASE_URL`): concurrent retries of one key produce one registration and identical
 * answers; the same key with another request is 422; keys are per user and expire after 24 h; a
 * key whose first request died is taken over once it is stale.
 */
describe('Idempotency-Key on creating POSTs', () => {
  let t: TestApp;
  let base: string;
  let admin: TestUser;
  before(async () => {
    // Long enough for the first of 20 concurrent requests to finish on a busy CI machine (its 19
    // retries poll the same database meanwhile); the stale-key test waits it out once.
    t = await createTestApp({ env: { IDEMPOTENCY_WAIT: '3s' } });
    base = await t.listen();
    admin = await t.user('Idem Admin', { admin: true });
  });
  after(() => t.close());

  const slot = async (max = 8, inMs = 3_600_000) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/slots',
      headers: admin.headers,
      payload: { targetLanguageCode: 'fr', level: 'B1', startTime: new Date(t.clock.nowMs() + inMs).toISOString(), durationMinutes: 30, maxParticipants: max },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  /** A real HTTP request; the answer's status, raw body and replay header. */
  const post = async (u: TestUser, path: string, key: string | null, body?: unknown) => {
    const headers: Record<string, string> = { authorization: u.headers.authorization };
    if (key !== null) headers['idempotency-key'] = key;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.text(), replayed: res.headers.get('idempotent-replayed') === 'true', retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type') };
  };
  /**
   * The stored answer of `u`'s `key` and whether it was written by the transaction that wrote the
   * row `id` of `table` (xmin: the transaction that wrote each row's current version).
   */
  const storedWith = async (u: TestUser, key: string, table: 'registrations' | 'sessions', id: string) => {
    const [stored] = rowsOf<{ x: string; state: string; body: string }>(
      await t.database.db.execute(sql`select xmin::text as x, state, response_body as body from idempotency_keys where user_id = ${u.id} and key = ${key}`),
    );
    const [work] = rowsOf<{ x: string }>(await t.database.db.execute(sql`select xmin::text as x from ${sql.identifier(table)} where id = ${id}`));
    return { state: stored.state, body: stored.body, sameTransaction: stored.x === work.x };
  };
  const mine = async (u: TestUser) => (await t.app.inject({ method: 'GET', url: '/api/registrations', headers: u.headers })).json().items as { id: string }[];

  test('20 concurrent retries of one registration: one registration, 20 identical 201 answers, one registration.created', async () => {
    const u = await t.user('Idem Retry');
    const slotId = await slot();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(u, `/api/slots/${slotId}/registrations`, 'reg-key-1')));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'every retry gets the same body');
    assert.equal(answers.filter((a) => !a.replayed).length, 1, 'one ran, 19 were replayed');
    const registrations = await mine(u);
    assert.equal(registrations.length, 1);
    assert.equal(JSON.parse(answers[0].body).id, registrations[0].id);
    await outboxSettled(t.database.db);
    const page = (await t.app.inject({ method: 'GET', url: '/api/admin/events?limit=500', headers: admin.headers })).json();
    const created = page.items.filter((e: { type: string; data: { userId: string } }) => e.type === 'registration.created' && e.data.userId === u.id);
    assert.equal(created.length, 1);
    // Without a key, a second POST is a new request: the domain's own answer.
    assert.equal((await post(u, `/api/slots/${slotId}/registrations`, null)).status, 409);
  });

  test('30 learners registering at once, each with a key: claims and answers batched, each replay is that learner\'s own answer', async () => {
    const slotId = await slot(40);
    const learners = await Promise.all(Array.from({ length: 30 }, (_, i) => t.user(`Idem Crowd ${i}`)));
    const first = await Promise.all(learners.map((u, i) => post(u, `/api/slots/${slotId}/registrations`, `crowd-key-${i}`)));
    assert.deepEqual(new Set(first.map((a) => a.status)), new Set([201]));
    first.forEach((a, i) => assert.equal(JSON.parse(a.body).userId, learners[i]!.id, 'each answer is its own learner\'s'));
    const replays = await Promise.all(learners.map((u, i) => post(u, `/api/slots/${slotId}/registrations`, `crowd-key-${i}`)));
    replays.forEach((a, i) => assert.deepEqual({ status: a.status, body: a.body, replayed: a.replayed }, { status: 201, body: first[i]!.body, replayed: true }));
    // Another learner's key of the same name is theirs alone: keys are per user.
    const stranger = await t.user('Idem Crowd Stranger');
    assert.equal((await post(stranger, `/api/slots/${slotId}/registrations`, 'crowd-key-0')).replayed, false);
  });

  test('a registration and its stored answer commit in one transaction; the replay is the same bytes', async () => {
    const u = await t.user('Idem Same Tx');
    const slotId = await slot();
    const first = await post(u, `/api/slots/${slotId}/registrations`, 'same-tx-key');
    assert.equal(first.status, 201);
    assert.deepEqual(await storedWith(u, 'same-tx-key', 'registrations', JSON.parse(first.body).id), { state: 'done', body: first.body, sameTransaction: true }, "the bytes sent, stored by the registration's transaction");
    const again = await post(u, `/api/slots/${slotId}/registrations`, 'same-tx-key');
    assert.deepEqual({ status: again.status, body: again.body, replayed: again.replayed, type: again.type }, { status: 201, body: first.body, replayed: true, type: first.type });
  });

  test('20 concurrent retries of one private session: one session, the same invite code for all', async () => {
    const host = await t.user('Idem Host');
    const body = { type: 'private', targetLanguageCode: 'fr', maxParticipants: 3, topicTitle: 'Le marché' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(host, '/api/sessions', 'session-key-1', body)));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    assert.equal(new Set(answers.map((a) => a.body)).size, 1);
    // Key order does not make another request.
    const reordered = await post(host, '/api/sessions', 'session-key-1', { topicTitle: 'Le marché', maxParticipants: 3, targetLanguageCode: 'fr', type: 'private' });
    assert.equal(reordered.status, 201);
    assert.equal(reordered.body, answers[0].body);
    assert.equal(reordered.replayed, true);
    const hosted = await t.database.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.hostUserId, host.id));
    assert.deepEqual(hosted, [{ id: JSON.parse(answers[0].body).id }]);
  });

  test('a private session and its stored answer commit in one transaction; the replay is the same bytes', async () => {
    const host = await t.user('Idem Host Same Tx');
    const body = { type: 'private', targetLanguageCode: 'de', maxParticipants: 2 };
    const first = await post(host, '/api/sessions', 'session-same-tx', body);
    assert.equal(first.status, 201);
    assert.deepEqual(await storedWith(host, 'session-same-tx', 'sessions', JSON.parse(first.body).id), { state: 'done', body: first.body, sameTransaction: true }, "the bytes sent, stored by the session's transaction");
    const again = await post(host, '/api/sessions', 'session-same-tx', body);
    assert.deepEqual({ status: again.status, body: again.body, replayed: again.replayed }, { status: 201, body: first.body, replayed: true });
  });

  test('the same key with another request is refused with 422 and changes nothing', async () => {
    const u = await t.user('Idem Reuse');
    const [first, second] = [await slot(), await slot()];
    assert.equal((await post(u, `/api/slots/${first}/registrations`, 'reuse-key')).status, 201);
    const other = await post(u, `/api/slots/${second}/registrations`, 'reuse-key');
    assert.equal(other.status, 422);
    assert.equal(JSON.parse(other.body).error.code, 'IDEMPOTENCY_KEY_REUSED');
    const onSessions = await post(u, '/api/sessions', 'reuse-key', { type: 'private', targetLanguageCode: 'fr' });
    assert.equal(onSessions.status, 422, 'another route is another request');
    assert.equal((await mine(u)).length, 1);
    // Another user's key of the same name is theirs alone.
    const v = await t.user('Idem Other User');
    assert.equal((await post(v, `/api/slots/${second}/registrations`, 'reuse-key')).status, 201);
  });

  test('an error answer is replayed as it was; a malformed key is 400', async () => {
    const full = await slot(2);
    for (const name of ['Idem Full A', 'Idem Full B']) assert.equal((await post(await t.user(name), `/api/slots/${full}/registrations`, null)).status, 201);
    const late = await t.user('Idem Full C');
    const refused = await post(late, `/api/slots/${full}/registrations`, 'full-key');
    assert.equal(refused.status, 409);
    const again = await post(late, `/api/slots/${full}/registrations`, 'full-key');
    assert.deepEqual({ status: again.status, body: again.body, replayed: again.replayed }, { status: 409, body: refused.body, replayed: true });
    for (const bad of ['x'.repeat(256), 'has space']) {
      const res = await post(late, `/api/slots/${full}/registrations`, bad);
      assert.equal(res.status, 400, bad);
      assert.equal(JSON.parse(res.body).error.code, 'VALIDATION_ERROR');
    }
  });

  test('keys expire after IDEMPOTENCY_KEY_TTL (24 h): then the key runs a new request', async () => {
    const u = await t.user('Idem Expire');
    const [first, second] = [await slot(), await slot(8, 30 * 3_600_000)];
    assert.equal((await post(u, `/api/slots/${first}/registrations`, 'day-key')).status, 201);
    t.clock.advance(23 * 3_600_000);
    assert.equal((await post(u, `/api/slots/${second}/registrations`, 'day-key')).status, 422, 'still known after 23 h');
    t.clock.advance(3_600_000 + 1);
    await t.runJobs();
    const fresh = await post(u, `/api/slots/${second}/registrations`, 'day-key');
    assert.equal(fresh.status, 201);
    assert.equal(fresh.replayed, false);
  });

  test('a retry while the first request still runs waits, then 409 with Retry-After; a dead request\'s key is taken over once stale', async () => {
    const u = await t.user('Idem Stale');
    const slotId = await slot();
    // A first request that claimed the key and died before answering.
    const held = await t.services.idempotency.begin(u.id, 'stale-key', await fingerprintOfRegistration(slotId));
    assert.equal(held.kind, 'execute');
    const waiting = await post(u, `/api/slots/${slotId}/registrations`, 'stale-key');
    assert.equal(waiting.status, 409);
    assert.equal(JSON.parse(waiting.body).error.code, 'IDEMPOTENCY_KEY_IN_USE');
    assert.equal(waiting.retryAfter, '1');
    assert.equal((await mine(u)).length, 0);
    t.clock.advance(60_001); // IDEMPOTENCY_PENDING_TIMEOUT
    const taken = await post(u, `/api/slots/${slotId}/registrations`, 'stale-key');
    assert.equal(taken.status, 201);
    assert.equal((await mine(u)).length, 1);
  });

  /** The fingerprint the route computes for a registration to `slotId` (no body). */
  async function fingerprintOfRegistration(slotId: string): Promise<string> {
    const { fingerprintOf } = await import('../../src/modules/idempotency/idempotency.service.ts');
    return fingerprintOf({ method: 'POST', route: '/api/slots/:id/registrations', params: { id: slotId }, body: undefined });
  }
});
