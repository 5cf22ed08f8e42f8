/**
 * Slot administration (issue 15; seed 000 §4.1 `isActive`, §5.1): the admin listing with
 * registrations, capacity and series; edits while registration is open; deactivation that cancels
 * every registration with `registration.cancelled` (reason `slot_deactivated`) in its transaction,
 * also against registrations racing it on a real PostgreSQL server; and who may do what.
 * Runs on PGlite, and on PostgreSQL with DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { outboxSettled } from './helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('slot administration (seed 000 §4.1, §5.1)', () => {
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
  const createSlot = async (payload: Json = {}): Promise<Json> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/slots',
      headers: admin.headers,
      payload: { targetLanguageCode: 'fr', level: 'B1', startTime: inMinutes(120), durationMinutes: 30, maxParticipants: 6, ...payload },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const patch = (user: TestUser | null, id: string, payload: Json) =>
    t.app.inject({ method: 'PATCH', url: `/api/slots/${id}`, headers: user ? user.headers : {}, payload });
  const register = (user: TestUser, slotId: string) => t.app.inject({ method: 'POST', url: `/api/slots/${slotId}/registrations`, headers: user.headers, payload: {} });
  const adminList = async (query: Record<string, string> = {}): Promise<Json[]> => {
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/slots', headers: admin.headers, query: { limit: '100', ...query } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().items;
  };
  const cancelledEvents = async (): Promise<Json[]> => {
    await outboxSettled(t.database.db);
    const items: Json[] = [];
    let afterCursor: string | null = null;
    for (;;) {
      const res: { json(): Json } = await t.app.inject({ method: 'GET', url: '/api/admin/events', headers: admin.headers, query: { limit: '500', ...(afterCursor ? { after: afterCursor } : {}) } });
      const page = res.json();
      items.push(...page.items);
      if (page.items.length < 500) break;
      afterCursor = page.nextCursor;
    }
    return items.filter((e) => e.type === 'registration.cancelled');
  };

  test('the admin listing shows upcoming slots, active or not, with registrations, capacity and their series', async () => {
    const once = await createSlot({ targetLanguageCode: 'de', level: 'A2' });
    const weekly = await createSlot({ targetLanguageCode: 'de', level: 'A2', recurrence: 'weekly', timeZone: 'Europe/Paris', startTime: inMinutes(180) });
    const [a, b] = await Promise.all([t.user('Anna'), t.user('Ben')]);
    assert.equal((await register(a, once.id)).statusCode, 201);
    assert.equal((await register(b, once.id)).statusCode, 201);

    const items = await adminList({ targetLanguageCode: 'de' });
    const row = items.find((s) => s.id === once.id)!;
    assert.equal(row.registeredCount, 2);
    assert.equal(row.seatsLeft, 4);
    assert.equal(row.maxParticipants, 6);
    assert.equal(row.registrationOpen, true);
    assert.equal(row.series, null);
    const occurrences = items.filter((s) => s.seriesId === weekly.seriesId);
    assert.equal(occurrences.length, 1, 'a weekly series: its next occurrence is beyond the 7-day horizon');
    for (const o of occurrences) {
      assert.equal(o.series.id, weekly.seriesId);
      assert.equal(o.series.recurrence, 'weekly');
      assert.equal(o.series.timeZone, 'Europe/Paris');
      assert.match(o.series.localTime, /^\d\d:\d\d$/);
    }

    // Filters: level, status, series, time range.
    assert.equal((await adminList({ targetLanguageCode: 'de', level: 'C2' })).length, 0);
    assert.deepEqual((await adminList({ seriesId: weekly.seriesId })).map((s) => s.id).sort(), occurrences.map((s) => s.id).sort());
    assert.ok((await adminList({ targetLanguageCode: 'de', to: inMinutes(150) })).every((s) => s.id === once.id));
    assert.equal((await patch(admin, once.id, { isActive: false })).statusCode, 200);
    assert.deepEqual((await adminList({ targetLanguageCode: 'de', status: 'inactive' })).map((s) => s.id), [once.id]);
    assert.ok(!(await adminList({ targetLanguageCode: 'de', status: 'active' })).some((s) => s.id === once.id));
    // Learners' listing keeps offering active slots only.
    const offered = (await t.app.inject({ method: 'GET', url: '/api/slots', headers: learner.headers, query: { targetLanguageCode: 'de' } })).json().items;
    assert.ok(!offered.some((s: Json) => s.id === once.id));

    // Paging follows the start time.
    const first = await t.app.inject({ method: 'GET', url: '/api/admin/slots', headers: admin.headers, query: { targetLanguageCode: 'de', limit: '1' } });
    const next = await t.app.inject({ method: 'GET', url: '/api/admin/slots', headers: admin.headers, query: { targetLanguageCode: 'de', limit: '1', cursor: first.json().nextCursor } });
    assert.notEqual(first.json().items[0].id, next.json().items[0].id);
    assert.ok(first.json().items[0].startTime <= next.json().items[0].startTime);
  });

  test('an edit changes time, duration and capacity while nobody is registered; with registrants only the capacity', async () => {
    const slot = await createSlot();
    const moved = await patch(admin, slot.id, { startTime: inMinutes(240), durationMinutes: 45, maxParticipants: 10, minParticipants: 3 });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().startTime, inMinutes(240));
    assert.equal(moved.json().durationMinutes, 45);
    assert.equal(moved.json().maxParticipants, 10);
    assert.equal(moved.json().minParticipants, 3);
    assert.equal(new Date(moved.json().registrationClosesAt).getTime(), new Date(inMinutes(240)).getTime() - t.config.rules.registrationCutoffMs);

    const [a, b] = await Promise.all([t.user('Cleo'), t.user('Dev')]);
    assert.equal((await register(a, slot.id)).statusCode, 201);
    assert.equal((await register(b, slot.id)).statusCode, 201);
    const retimed = await patch(admin, slot.id, { startTime: inMinutes(300) });
    assert.equal(retimed.statusCode, 409);
    assert.equal(retimed.json().error.code, 'SLOT_HAS_REGISTRATIONS');
    assert.deepEqual(retimed.json().error.details, { registered: 2, fields: ['startTime'] });
    const relevel = await patch(admin, slot.id, { level: 'C1', durationMinutes: 15 });
    assert.equal(relevel.json().error.code, 'SLOT_HAS_REGISTRATIONS');
    const tooSmall = await patch(admin, slot.id, { maxParticipants: 1 });
    assert.equal(tooSmall.statusCode, 400, 'below the schema minimum');
    const belowTaken = await patch(admin, slot.id, { maxParticipants: 2, minParticipants: 2 });
    assert.equal(belowTaken.statusCode, 200, 'down to the registrations taken');
    assert.equal(belowTaken.json().seatsLeft, 0);
    const full = await register(await t.user('Eve'), slot.id);
    assert.equal(full.json().error.code, 'SLOT_FULL');
    // The same values again are no change.
    assert.equal((await patch(admin, slot.id, { startTime: inMinutes(240), level: 'B1' })).statusCode, 200);

    const invalid = await patch(admin, slot.id, { minParticipants: 5 });
    assert.equal(invalid.statusCode, 400);
    assert.equal(invalid.json().error.code, 'INVALID_SLOT');
    const empty = await createSlot();
    const soon = await patch(admin, empty.id, { startTime: inMinutes(3) });
    assert.equal(soon.statusCode, 400);
    assert.equal(soon.json().error.code, 'INVALID_SLOT');
    assert.equal((await patch(admin, empty.id, {})).statusCode, 400, 'an empty patch is refused');
    assert.equal((await patch(admin, empty.id, { maxParticipants: 8, extra: 1 })).statusCode, 400);
  });

  test('a slot whose registration closed can no longer change', async () => {
    const slot = await createSlot({ startTime: inMinutes(20) });
    t.clock.advance(16 * 60_000); // 4 minutes before the start: registration closed 1 minute ago
    for (const body of [{ maxParticipants: 8 }, { isActive: false }]) {
      const res = await patch(admin, slot.id, body);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'SLOT_CLOSED');
    }
    const row = (await adminList({ to: inMinutes(10) })).find((s) => s.id === slot.id)!;
    assert.equal(row.registrationOpen, false);
  });

  test('deactivating cancels every registration with registration.cancelled (slot_deactivated); reactivating offers the slot again', async () => {
    const slot = await createSlot({ targetLanguageCode: 'it' });
    const users = await Promise.all(['Fia', 'Gus', 'Hal'].map((n) => t.user(n)));
    const regs = await Promise.all(users.map(async (u) => (await register(u, slot.id)).json()));
    const cancelledByUser = await t.app.inject({ method: 'DELETE', url: `/api/registrations/${regs[2].id}`, headers: users[2]!.headers });
    assert.equal(cancelledByUser.statusCode, 200);
    const before = (await cancelledEvents()).length;

    const off = await patch(admin, slot.id, { isActive: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().isActive, false);
    assert.equal(off.json().registeredCount, 0);
    for (const [i, u] of users.slice(0, 2).entries()) {
      const mine = (await t.app.inject({ method: 'GET', url: `/api/registrations/${regs[i].id}`, headers: u.headers })).json();
      assert.equal(mine.status, 'cancelled');
      assert.equal(mine.unmatchedReason, 'SLOT_DEACTIVATED');
      assert.equal(mine.cancelledAt, t.clock.now().toISOString());
    }
    const events = (await cancelledEvents()).slice(before);
    assert.deepEqual(
      events.map((e) => [e.data.registrationId, e.data.userId, e.data.reason, e.data.timeSlotId]).sort(),
      [
        [regs[0].id, users[0]!.id, 'slot_deactivated', slot.id],
        [regs[1].id, users[1]!.id, 'slot_deactivated', slot.id],
      ].sort(),
      'one event per registrant still registered; the one who had cancelled gets none',
    );
    assert.ok(events.every((e) => e.partitionkey === e.data.userId && e.subject === e.data.registrationId));
    const refused = await register(await t.user('Ivy'), slot.id);
    assert.equal(refused.json().error.code, 'SLOT_INACTIVE');
    // Deactivating again changes nothing and tells nobody twice.
    assert.equal((await patch(admin, slot.id, { isActive: false })).statusCode, 200);
    assert.equal((await cancelledEvents()).length, before + 2);

    const on = await patch(admin, slot.id, { isActive: true });
    assert.equal(on.json().isActive, true);
    assert.equal((await register(users[0]!, slot.id)).statusCode, 201, 'the slot takes registrations again');
  });

  test('a series is deactivated from one occurrence on (its rule too) and reactivated; occurrences keep the series time', async () => {
    const first = await createSlot({ targetLanguageCode: 'es', recurrence: 'daily', timeZone: 'Europe/Paris', startTime: inMinutes(60) });
    const occurrences = await adminList({ seriesId: first.seriesId });
    assert.ok(occurrences.length >= 7, `got ${occurrences.length}`);
    const [keep, from] = occurrences as [Json, Json];
    const u = await t.user('Jo');
    assert.equal((await register(u, keep.id)).statusCode, 201);
    assert.equal((await register(u, from.id)).statusCode, 201);

    assert.equal((await patch(admin, from.id, { startTime: inMinutes(24 * 60 + 90) })).json().error.code, 'SERIES_TIME_FIXED');
    const capacity = await patch(admin, from.id, { maxParticipants: 12, scope: 'series' });
    assert.equal(capacity.statusCode, 200, capacity.body);
    const afterCapacity = await adminList({ seriesId: first.seriesId });
    assert.equal(afterCapacity.find((s) => s.id === keep.id)!.maxParticipants, 6, 'an earlier occurrence keeps its capacity');
    assert.ok(afterCapacity.filter((s) => s.startTime >= from.startTime).every((s) => s.maxParticipants === 12));

    const off = await patch(admin, from.id, { isActive: false, scope: 'series' });
    assert.equal(off.statusCode, 200, off.body);
    const listed = await adminList({ seriesId: first.seriesId });
    assert.ok(listed.find((s) => s.id === keep.id)!.isActive, 'the occurrence before stays');
    assert.ok(listed.filter((s) => s.startTime >= from.startTime).every((s) => !s.isActive && s.series.isActive === false));
    const regs = (await t.app.inject({ method: 'GET', url: '/api/registrations', headers: u.headers })).json().items as Json[];
    assert.deepEqual(regs.map((r) => [r.timeSlotId, r.status]).sort(), [[keep.id, 'registered'], [from.id, 'cancelled']].sort());
    // The generator makes no new occurrence of an inactive series, and its later days stay inactive.
    const count = async () => (await adminList({ seriesId: first.seriesId, from: new Date(0).toISOString() })).length;
    const before = await count();
    t.clock.advance(2 * 86_400_000);
    await t.services.slots.generateRecurringSlots(t.clock.now());
    assert.equal(await count(), before);

    const laterOn = listed[listed.length - 1]!;
    const on = await patch(admin, laterOn.id, { isActive: true, scope: 'series' });
    assert.equal(on.statusCode, 200, on.body);
    await t.services.slots.generateRecurringSlots(t.clock.now());
    assert.ok((await count()) > before, 'a reactivated series is materialised again');
    assert.ok((await adminList({ seriesId: first.seriesId, status: 'active', from: laterOn.startTime })).length >= 2);
  });

  test('only admins administer slots: 401 without a token, 403 for a learner or an instructor, 404 for an unknown slot', async () => {
    const slot = await createSlot();
    const instructor = await t.user('Ines', { roles: ['instructor'] });
    const noToken = await patch(null, slot.id, { isActive: false });
    assert.equal(noToken.statusCode, 401);
    for (const u of [learner, instructor]) {
      const edit = await patch(u, slot.id, { maxParticipants: 3 });
      assert.equal(edit.statusCode, 403);
      assert.equal(edit.json().error.code, 'ADMIN_ONLY');
      const listing = await t.app.inject({ method: 'GET', url: '/api/admin/slots', headers: u.headers });
      assert.equal(listing.statusCode, 403);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/slots' })).statusCode, 401);
    const unknown = await patch(admin, 'no-such-slot', { isActive: false });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'SLOT_NOT_FOUND');
    const seen = (await t.app.inject({ method: 'GET', url: `/api/slots/${slot.id}`, headers: admin.headers })).json();
    assert.equal(seen.isActive, true);
    assert.equal(seen.maxParticipants, 6);
  });

  test('40 registrations racing a deactivation: none stays registered, each registrant is told once', async () => {
    const slot = await createSlot({ maxParticipants: 50, targetLanguageCode: 'pt' });
    const users = await Promise.all(Array.from({ length: 40 }, (_, i) => t.user(`Racer ${i}`)));
    const before = (await cancelledEvents()).length;
    const results = await Promise.all([
      ...users.slice(0, 20).map((u) => register(u, slot.id)),
      patch(admin, slot.id, { isActive: false }),
      ...users.slice(20).map((u) => register(u, slot.id)),
    ]);
    const deactivation = results[20]!;
    assert.equal(deactivation.statusCode, 200, deactivation.body);
    const registrations = results.filter((_, i) => i !== 20);
    const accepted = registrations.filter((r) => r.statusCode === 201).map((r) => r.json().id as string);
    for (const r of registrations.filter((x) => x.statusCode !== 201)) assert.equal(r.json().error.code, 'SLOT_INACTIVE');
    const seen = (await t.app.inject({ method: 'GET', url: `/api/slots/${slot.id}`, headers: admin.headers })).json();
    assert.equal(seen.registeredCount, 0, 'every registration that got in before the deactivation was cancelled');
    const events = (await cancelledEvents()).slice(before).filter((e) => e.data.timeSlotId === slot.id);
    assert.deepEqual(events.map((e) => e.data.registrationId).sort(), accepted.sort());
    assert.ok(events.every((e) => e.data.reason === 'slot_deactivated'));
  });
});
