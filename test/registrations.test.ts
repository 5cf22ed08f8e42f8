import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthUser } from '../src/modules/auth/auth.service.ts';
import type { AppError } from '../src/shared/errors.ts';
import { outboxSettled } from './helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';

describe('registrations (seed 000 §3.1, §5.1)', () => {
  let t: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await createTestApp();
    admin = await t.user('Admin', { admin: true });
  });
  after(() => t.close());

  async function slot(opts: { inMinutes?: number; max?: number } = {}): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/slots',
      headers: admin.headers,
      payload: {
        targetLanguageCode: 'es',
        level: 'A1',
        startTime: new Date(t.clock.now().getTime() + (opts.inMinutes ?? 60) * 60_000).toISOString(),
        durationMinutes: 30,
        maxParticipants: opts.max ?? 8,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id;
  }
  const register = (u: TestUser, slotId: string) => t.app.inject({ method: 'POST', url: `/api/slots/${slotId}/registrations`, headers: u.headers });
  const cancel = (u: TestUser, id: string) => t.app.inject({ method: 'DELETE', url: `/api/registrations/${id}`, headers: u.headers });

  test('register, see it in my list and on the slot, once per slot', async () => {
    const u = await t.user('Reg One');
    const slotId = await slot();
    const res = await register(u, slotId);
    assert.equal(res.statusCode, 201);
    const reg = res.json();
    assert.equal(reg.status, 'registered');
    assert.equal(reg.timeSlotId, slotId);
    assert.equal(reg.slot.targetLanguageCode, 'es');
    // The answer is built from what the registration wrote: it is what a read gives back.
    const read = await t.app.inject({ method: 'GET', url: `/api/registrations/${reg.id}`, headers: u.headers });
    assert.deepEqual(read.json(), reg);
    const again = await register(u, slotId);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'ALREADY_REGISTERED');
    const mine = (await t.app.inject({ method: 'GET', url: '/api/registrations', headers: u.headers })).json();
    assert.deepEqual(mine.items.map((r: { id: string }) => r.id), [reg.id]);
    const seen = (await t.app.inject({ method: 'GET', url: `/api/slots/${slotId}`, headers: u.headers })).json();
    assert.equal(seen.myRegistrationId, reg.id);
    assert.equal(seen.seatsLeft, 7);
    const other = await t.user('Other');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/slots/${slotId}`, headers: other.headers })).json().myRegistrationId, null);
  });

  test('registration closes RULES_REGISTRATION_CUTOFF (5 min) before the start', async () => {
    const slotId = await slot({ inMinutes: 6 });
    const early = await t.user('Early');
    assert.equal((await register(early, slotId)).statusCode, 201);
    t.clock.advance(60_000); // exactly 5 minutes before
    const late = await register(await t.user('Late'), slotId);
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().error.code, 'REGISTRATION_CLOSED');
  });

  test('a full slot refuses more', async () => {
    const slotId = await slot({ max: 2 });
    assert.equal((await register(await t.user('F1'), slotId)).statusCode, 201);
    assert.equal((await register(await t.user('F2'), slotId)).statusCode, 201);
    const third = await register(await t.user('F3'), slotId);
    assert.equal(third.statusCode, 409);
    assert.equal(third.json().error.code, 'SLOT_FULL');
  });

  test('at most 3 active registrations per user (403)', async () => {
    const u = await t.user('Busy');
    const ids = [await slot(), await slot(), await slot(), await slot()];
    const regs = [];
    for (const id of ids.slice(0, 3)) {
      const r = await register(u, id);
      assert.equal(r.statusCode, 201);
      regs.push(r.json());
    }
    const fourth = await register(u, ids[3]);
    assert.equal(fourth.statusCode, 403);
    assert.equal(fourth.json().error.code, 'TOO_MANY_REGISTRATIONS');
    // Cancelling frees a place.
    assert.equal((await cancel(u, regs[0].id)).statusCode, 200);
    assert.equal((await register(u, ids[3])).statusCode, 201);
  });

  test('a registration whose slot has ended no longer counts toward the 3', async () => {
    const u = await t.user('Veteran');
    for (const id of [await slot(), await slot(), await slot()]) assert.equal((await register(u, id)).statusCode, 201);
    const later = await slot({ inMinutes: 240 });
    assert.equal((await register(u, later)).json().error.code, 'TOO_MANY_REGISTRATIONS');
    t.clock.advance(90 * 60_000); // the three 30-minute slots starting in 60 min have ended
    assert.equal((await register(u, later)).statusCode, 201);
  });

  test('cancel until RULES_CANCELLATION_CUTOFF (15 min), only my own, then register again', async () => {
    const u = await t.user('Canceller');
    const slotId = await slot({ inMinutes: 20 });
    const reg = (await register(u, slotId)).json();
    const stranger = await cancel(await t.user('Stranger'), reg.id);
    assert.equal(stranger.statusCode, 404);
    const ok = await cancel(u, reg.id);
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().status, 'cancelled');
    assert.ok(ok.json().cancelledAt);
    const twice = await cancel(u, reg.id);
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().error.code, 'NOT_CANCELLABLE');
    const back = await register(u, slotId);
    assert.equal(back.statusCode, 201);
    t.clock.advance(5 * 60_000 + 1000); // 14m59s before the start
    const late = await cancel(u, back.json().id);
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().error.code, 'CANCELLATION_CLOSED');
  });

  test('300 concurrent registrations to a 50-seat slot: exactly 50 accepted', async () => {
    const slotId = await slot({ max: 50 });
    const users = await Promise.all(Array.from({ length: 300 }, (_, i) => t.user(`Crowd ${i}`)));
    const results = await Promise.all(users.map((u) => register(u, slotId)));
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 201).length, 50);
    assert.equal(codes.filter((c) => c === 409).length, 250);
    for (const r of results.filter((x) => x.statusCode === 409)) assert.equal(r.json().error.code, 'SLOT_FULL');
    const seen = (await t.app.inject({ method: 'GET', url: `/api/slots/${slotId}`, headers: admin.headers })).json();
    assert.equal(seen.registeredCount, 50);
    assert.equal(seen.seatsLeft, 0);
  });

  test('one user registering to 8 slots at once gets exactly 3', async () => {
    const u = await t.user('Greedy');
    const ids = await Promise.all(Array.from({ length: 8 }, () => slot()));
    const results = await Promise.all(ids.map((id) => register(u, id)));
    assert.equal(results.filter((r) => r.statusCode === 201).length, 3);
    assert.equal(results.filter((r) => r.statusCode === 403).length, 5);
  });

  test('the same user registering to one slot 20 times at once gets one registration', async () => {
    const u = await t.user('Double Clicker');
    const slotId = await slot();
    const results = await Promise.all(Array.from({ length: 20 }, () => register(u, slotId)));
    assert.equal(results.filter((r) => r.statusCode === 201).length, 1);
    assert.equal(results.filter((r) => r.statusCode === 409).length, 19);
  });

  test('attempts arriving together share one batch: each gets its own answer, in arrival order; a failing one fails alone', async () => {
    const learner = (name: string): AuthUser => ({ id: `u-batch-${name}`, name, roles: [], tier: 'free', levels: {}, email: null });
    const now = t.clock.now();
    const twoSeats = await slot({ max: 2 });
    // Made in one synchronous stretch: one batch (src/modules/registrations/register-batch.ts).
    const first = await Promise.allSettled([
      t.services.registrations.register(learner('a1'), twoSeats, now),
      t.services.registrations.register(learner('a2'), twoSeats, now),
      t.services.registrations.register(learner('a3'), twoSeats, now),
      t.services.registrations.register(learner('a4'), '00000000-0000-4000-8000-000000000000', now),
    ]);
    assert.deepEqual(first.map((r) => (r.status === 'fulfilled' ? r.value.userId : (r.reason as AppError).code)), ['u-batch-a1', 'u-batch-a2', 'SLOT_FULL', 'SLOT_NOT_FOUND']);

    const other = await slot({ max: 2 });
    const second = await Promise.allSettled([
      t.services.registrations.register(learner('b1'), other, now),
      t.services.registrations.register(learner('b2'), other, now, async () => {
        throw new Error('answer store unavailable');
      }),
      t.services.registrations.register(learner('b3'), other, now),
      t.services.registrations.register(learner('b4'), other, now),
    ]);
    assert.deepEqual(second.map((r) => (r.status === 'fulfilled' ? r.value.userId : ((r.reason as AppError).code ?? (r.reason as Error).message))), [
      'u-batch-b1',
      'answer store unavailable',
      'u-batch-b3',
      'SLOT_FULL',
    ]);
    const seen = (await t.app.inject({ method: 'GET', url: `/api/slots/${other}`, headers: admin.headers })).json();
    assert.equal(seen.registeredCount, 2, 'the failed attempt holds no seat');
    // On a shared PostgreSQL server the event list stops before any transaction still running
    // (another test file's): wait until those started before now have ended.
    await outboxSettled(t.database.db);
    const events: { type: string; data: { userId: string; timeSlotId: string } }[] = [];
    for (let after: string | null = null; ; ) {
      const page: { items: typeof events; nextCursor: string | null } = (
        await t.app.inject({ method: 'GET', url: '/api/admin/events', headers: admin.headers, query: { limit: '500', ...(after ? { after } : {}) } })
      ).json();
      events.push(...page.items);
      if (page.items.length < 500 || !page.nextCursor) break;
      after = page.nextCursor;
    }
    const created = events.filter((e) => e.type === 'registration.created' && e.data.timeSlotId === other);
    assert.deepEqual(created.map((e) => e.data.userId), ['u-batch-b1', 'u-batch-b3'], 'one registration.created per registration kept, none for the failed one');
  });
});
