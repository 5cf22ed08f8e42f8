import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';

describe('time slots (seed 000 §2.1, §5.1)', () => {
  let t: TestApp;
  let admin: TestUser;
  let learner: TestUser;
  before(async () => {
    t = await createTestApp();
    admin = await t.user('Ada Admin', { admin: true });
    learner = await t.user('Lea');
  });
  after(() => t.close());

  const inMinutes = (m: number) => new Date(t.clock.now().getTime() + m * 60_000).toISOString();
  const create = (user: TestUser, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/slots', headers: user.headers, payload });

  test('an admin creates a slot with the seed defaults', async () => {
    const res = await create(admin, { targetLanguageCode: 'en', level: 'B1', startTime: inMinutes(60), durationMinutes: 30 });
    assert.equal(res.statusCode, 201);
    const slot = res.json();
    assert.equal(slot.maxParticipants, 8);
    assert.equal(slot.minParticipants, 2);
    assert.equal(slot.recurrence, 'once');
    assert.equal(slot.seatsLeft, 8);
    assert.equal(slot.isActive, true);
    assert.equal(new Date(slot.endTime).getTime() - new Date(slot.startTime).getTime(), 30 * 60_000);
  });

  test('a learner may not create slots', async () => {
    const res = await create(learner, { targetLanguageCode: 'en', level: 'B1', startTime: inMinutes(60), durationMinutes: 30 });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'ADMIN_ONLY');
  });

  test('bad input is refused with the error body of DESIGN 4.2', async () => {
    const cases: Record<string, unknown>[] = [
      { targetLanguageCode: 'en', level: 'B1', startTime: inMinutes(60), durationMinutes: 20 },
      { targetLanguageCode: 'en', level: 'D1', startTime: inMinutes(60), durationMinutes: 30 },
      { targetLanguageCode: 'english', level: 'B1', startTime: inMinutes(60), durationMinutes: 30 },
      { targetLanguageCode: 'en', level: 'B1', startTime: 'tomorrow', durationMinutes: 30 },
      { targetLanguageCode: 'en', level: 'B1', startTime: inMinutes(60), durationMinutes: 30, extra: 1 },
    ];
    for (const payload of cases) {
      const res = await create(admin, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      const body = res.json();
      assert.equal(body.error.code, 'VALIDATION_ERROR');
      assert.ok(body.error.requestId);
    }
    const past = await create(admin, { targetLanguageCode: 'en', level: 'B1', startTime: inMinutes(-1), durationMinutes: 30 });
    assert.equal(past.statusCode, 400);
    assert.equal(past.json().error.code, 'INVALID_SLOT');
    const zone = await create(admin, { targetLanguageCode: 'en', level: 'B1', startTime: inMinutes(60), durationMinutes: 30, recurrence: 'daily', timeZone: 'Mars/Olympus' });
    assert.equal(zone.statusCode, 400);
    assert.equal(zone.json().error.code, 'INVALID_SLOT');
  });

  test('no token, or a bad one, is 401', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/slots' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'AUTH_REQUIRED');
    const bad = await t.app.inject({ method: 'GET', url: '/api/slots', headers: { authorization: 'Bearer not.a.jwt' } });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error.code, 'INVALID_TOKEN');
  });

  test('listing filters by language, level and time range, and pages with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await create(admin, { targetLanguageCode: 'de', level: 'A2', startTime: inMinutes(120 + i * 10), durationMinutes: 15 });
      ids.push(res.json().id);
    }
    await create(admin, { targetLanguageCode: 'de', level: 'C1', startTime: inMinutes(125), durationMinutes: 15 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; json: () => { items: { id: string }[]; nextCursor: string | null } } = await t.app.inject({
        method: 'GET',
        url: '/api/slots',
        headers: learner.headers,
        query: { targetLanguageCode: 'de', level: 'A2', limit: '2', ...(cursor ? { cursor } : {}) },
      });
      assert.equal(res.statusCode, 200);
      const page = res.json();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((s: { id: string }) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ids);
    const ranged = await t.app.inject({
      method: 'GET',
      url: '/api/slots',
      headers: learner.headers,
      query: { targetLanguageCode: 'de', from: inMinutes(129), to: inMinutes(141) },
    });
    assert.deepEqual(ranged.json().items.map((s: { id: string }) => s.id), [ids[1], ids[2]]);
    const badCursor = await t.app.inject({ method: 'GET', url: '/api/slots?cursor=zzz', headers: learner.headers });
    assert.equal(badCursor.statusCode, 400);
  });

  test('a daily slot in Paris is materialised 7 days ahead, idempotently, and a series can be deactivated', async () => {
    const res = await create(admin, {
      targetLanguageCode: 'fr',
      level: 'B2',
      startTime: inMinutes(90),
      durationMinutes: 45,
      recurrence: 'daily',
      timeZone: 'Europe/Paris',
    });
    assert.equal(res.statusCode, 201);
    const listFr = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/slots', headers: learner.headers, query: { targetLanguageCode: 'fr', limit: '100' } })).json().items;
    const initial = await listFr();
    assert.ok(initial.length >= 7 && initial.length <= 8, `got ${initial.length}`);
    // Same local wall-clock time every day.
    const local = new Set(initial.map((s: { startTime: string }) => new Date(s.startTime).toLocaleTimeString('en-GB', { timeZone: 'Europe/Paris' })));
    assert.equal(local.size, 1);
    // The generator adds nothing twice, and extends the horizon as days pass.
    assert.equal(await t.services.slots.generateRecurringSlots(t.clock.now()), 0);
    t.clock.advance(2 * 86_400_000);
    const added = await t.services.slots.generateRecurringSlots(t.clock.now());
    assert.ok(added >= 1 && added <= 3, `added ${added}`);
    assert.equal(await t.services.slots.generateRecurringSlots(t.clock.now()), 0);
    const now = await listFr();
    const deactivate = await t.app.inject({
      method: 'PATCH',
      url: `/api/slots/${now[0].id}`,
      headers: admin.headers,
      payload: { isActive: false, scope: 'series' },
    });
    assert.equal(deactivate.statusCode, 200);
    assert.equal(deactivate.json().isActive, false);
    assert.equal((await listFr()).length, 0);
    const forbidden = await t.app.inject({ method: 'PATCH', url: `/api/slots/${now[0].id}`, headers: learner.headers, payload: { isActive: true } });
    assert.equal(forbidden.statusCode, 403);
  });

  test('unknown slot is 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/slots/nope', headers: learner.headers });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'SLOT_NOT_FOUND');
  });
});
