import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/locks.ts';
import { onPostgres } from './helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';

describe('matchmaking (seed 000 §5.2)', () => {
  let t: TestApp;
  let admin: TestUser;
  before(async () => {
    t = await createTestApp();
    admin = await t.user('Admin', { admin: true });
  });
  after(() => t.close());

  async function slotWith(n: number, opts: { max?: number; min?: number; inMinutes?: number } = {}) {
    const startTime = new Date(t.clock.now().getTime() + (opts.inMinutes ?? 30) * 60_000);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/slots',
      headers: admin.headers,
      payload: {
        targetLanguageCode: 'it',
        level: 'B1',
        startTime: startTime.toISOString(),
        durationMinutes: 15,
        maxParticipants: opts.max ?? Math.max(8, n),
        minParticipants: opts.min ?? 2,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const slotId = res.json().id as string;
    const users: TestUser[] = [];
    for (let i = 0; i < n; i++) {
      const u = await t.user(`M ${slotId.slice(0, 6)} ${i}`);
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/slots/${slotId}/registrations`, headers: u.headers })).statusCode, 201);
      users.push(u);
    }
    return { slotId, startTime, users };
  }
  const myRegistration = async (u: TestUser, slotId: string) =>
    (await t.app.inject({ method: 'GET', url: '/api/registrations', headers: u.headers })).json().items.find((r: { timeSlotId: string }) => r.timeSlotId === slotId);

  test('runs when registration closes, not before, and splits 10 into 5 + 5', async () => {
    const { slotId, startTime, users } = await slotWith(10, { inMinutes: 30 });
    t.clock.set(startTime.getTime() - 5 * 60_000 - 1000);
    await t.runJobs();
    assert.equal((await myRegistration(users[0], slotId)).sessionId, null);
    t.clock.set(startTime.getTime() - 5 * 60_000);
    await t.runJobs();
    const sessionIds = await Promise.all(users.map(async (u) => (await myRegistration(u, slotId)).sessionId as string));
    const counts = new Map<string, number>();
    for (const id of sessionIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.deepEqual([...counts.values()].sort(), [5, 5]);
    // First registered, first matched: the first five share a session, the last five the other.
    assert.equal(new Set(sessionIds.slice(0, 5)).size, 1);
    assert.equal(new Set(sessionIds.slice(5)).size, 1);
    // The first matched member hosts; everyone is a waiting participant of a public session.
    const session = (await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionIds[0]}`, headers: users[0].headers })).json();
    assert.equal(session.type, 'public');
    assert.equal(session.status, 'waiting');
    assert.equal(session.hostUserId, users[0].id);
    assert.equal(session.targetLanguageCode, 'it');
    assert.equal(session.level, 'B1');
    assert.equal(session.participants.length, 5);
    assert.ok(session.participants.every((p: { status: string }) => p.status === 'waiting'));
    // Idempotent: running again creates nothing more.
    const again = await t.services.matchmaking.run(t.clock.now());
    assert.equal(again.sessionsCreated, 0);
    // Members of another session cannot read it.
    const outsider = users.find((_, i) => sessionIds[i] !== sessionIds[0])!;
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionIds[0]}`, headers: outsider.headers })).statusCode, 404);
  });

  test('a 24-seat slot makes three sessions of 8', async () => {
    const { slotId, startTime, users } = await slotWith(24, { inMinutes: 40 });
    t.clock.set(startTime.getTime() - 5 * 60_000);
    await t.runJobs();
    const ids = new Set(await Promise.all(users.map(async (u) => (await myRegistration(u, slotId)).sessionId)));
    assert.equal(ids.size, 3);
  });

  test('a lone registrant gets no session and the reason is recorded', async () => {
    const { slotId, startTime, users } = await slotWith(1, { inMinutes: 50 });
    t.clock.set(startTime.getTime() - 5 * 60_000);
    await t.runJobs();
    const reg = await myRegistration(users[0], slotId);
    assert.equal(reg.sessionId, null);
    assert.equal(reg.unmatchedReason, 'NOT_ENOUGH_PARTICIPANTS');
    const current = await t.app.inject({ method: 'GET', url: '/api/sessions/current', headers: users[0].headers });
    assert.equal(current.statusCode, 404);
    assert.equal(current.json().error.code, 'NO_CURRENT_SESSION');
  });

  test('fewer than the slot minimum are not matched', async () => {
    const { slotId, startTime, users } = await slotWith(3, { inMinutes: 55, min: 4 });
    t.clock.set(startTime.getTime() - 5 * 60_000);
    await t.runJobs();
    assert.equal((await myRegistration(users[2], slotId)).unmatchedReason, 'NOT_ENOUGH_PARTICIPANTS');
  });

  test(`two matchmaking runs at once create each session once${onPostgres ? ' (PostgreSQL)' : ''}`, async () => {
    const slots = [await slotWith(6, { inMinutes: 70 }), await slotWith(9, { inMinutes: 70 }), await slotWith(2, { inMinutes: 70 })];
    t.clock.set(slots[0].startTime.getTime() - 5 * 60_000);
    const [a, b, c] = await Promise.all([
      t.services.matchmaking.run(t.clock.now(), 1),
      t.services.matchmaking.run(t.clock.now(), 1),
      t.services.matchmaking.run(t.clock.now(), 1),
    ]);
    assert.equal(a.sessionsCreated + b.sessionsCreated + c.sessionsCreated, 4); // 6 → 1, 9 → 2, 2 → 1
    for (const s of slots) {
      for (const u of s.users) assert.ok((await myRegistration(u, s.slotId)).sessionId, 'every registrant placed');
    }
    // participants.session_id is not a declared foreign key (migration 0007): the sessions module keeps it true.
    const orphans = await t.database.db.execute(sql`select count(*)::int as n from participants p where not exists (select 1 from sessions s where s.id = p.session_id)`);
    assert.equal(rowsOf<{ n: number }>(orphans)[0].n, 0, 'no participant without its session');
    const members = await t.database.db.execute(sql`select count(*)::int as n from participants p join registrations r on r.id = p.registration_id and r.session_id = p.session_id
      where r.time_slot_id = any(${sql.param(slots.map((s) => s.slotId))}::text[])`);
    assert.equal(rowsOf<{ n: number }>(members)[0].n, 6 + 9 + 2, 'one participant per placed registration, in its session');
  });
});
