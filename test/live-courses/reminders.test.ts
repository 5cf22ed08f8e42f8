import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { openTestDatabase, outboxSettled, postgresServerUrl } from '../helpers/database.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { createCourse, createSession, get, join, post, startSession } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HOUR = 3_600_000;

/**
 * `live_session.reminder` 24 h and 1 h before (seed 004 §2), each exactly once: two instances of
 * the service on one PostgreSQL database run their sweeps at the same moments (a manual clock
 * they share), one is replaced by a fresh instance (a restart), and still every reminder is
 * recorded once. Plus the module's share of a user's erasure.
 */
describe('reminders across two instances on one PostgreSQL database', () => {
  const env = { JWT_SECRET: crypto.randomBytes(32).toString('hex') };
  const clock = new ManualClock('2026-05-04T08:00:00Z');
  let database: DatabaseHandle;
  let a: TestApp;
  let b: TestApp;

  before(async () => {
    database = await openTestDatabase({ serverUrl: postgresServerUrl, poolSize: 30 });
    a = await createTestApp({ clock, env, database });
    b = await createTestApp({ clock, env, database });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await database?.close();
  });

  const reminders = async (): Promise<Json[]> => {
    await outboxSettled(database.db);
    const admin = await a.user('Reminder Admin', { admin: true });
    const items: Json[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { json: () => Json } = await a.app.inject({ method: 'GET', url: '/api/admin/events', headers: admin.headers, query: { limit: '500', ...(after ? { after } : {}) } });
      const page: Json = res.json();
      items.push(...page.items);
      if (page.items.length < 500) break;
      after = page.nextCursor;
    }
    return items.filter((e) => e.type === 'live_session.reminder');
  };
  const sweepBoth = () => Promise.all([a.runJobs(), b.runJobs(), a.runJobs(), b.runJobs()]);

  test('each reminder once, with both instances sweeping together and one of them restarted', async () => {
    const cast = await createCourse(a, { tag: 'remind' });
    const start = new Date('2026-05-06T10:00:00Z');
    const series = await post(a, cast.instructor, `/api/courses/${cast.courseId}/live-sessions`, {
      title: 'Weekly class',
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + HOUR).toISOString(),
      series: { weekly: true, count: 3 },
    });
    assert.equal(series.statusCode, 201, series.body);
    const ids = (series.json().items as Json[]).map((s) => s.id);
    // A lone session starting in 30 minutes gets no reminder at all: its scheduled event is the notice.
    clock.set(start.getTime() - 2 * HOUR);
    const soon = await createSession(a, cast, { startAt: new Date(clock.nowMs() + 30 * 60_000).toISOString(), endAt: new Date(clock.nowMs() + 90 * 60_000).toISOString() });
    clock.set('2026-05-04T08:00:00Z');

    for (const at of [start.getTime() - 25 * HOUR, start.getTime() - 24 * HOUR, start.getTime() - 23 * HOUR]) {
      clock.set(at);
      await sweepBoth();
    }
    let got = await reminders();
    assert.deepEqual(got.map((e) => [e.subject, e.data.reminder, e.data.minutesBefore]), [[ids[0], 'first', 24 * 60]]);

    // Restart: instance b goes away, a fresh one takes its place; the 1-hour reminder still comes once.
    await b.close();
    b = await createTestApp({ clock, env, database });
    clock.set(start.getTime() - HOUR);
    await sweepBoth();
    clock.set(start.getTime() - HOUR + 60_000);
    await sweepBoth();
    got = await reminders();
    assert.deepEqual(got.map((e) => [e.subject, e.data.reminder]), [[ids[0], 'first'], [ids[0], 'last']]);
    assert.deepEqual(got[1].data.userIds.sort(), [cast.instructor.id, cast.moderator.id, cast.student.id].sort());
    assert.ok(!got.some((e) => e.subject === soon.id));

    // A cancelled session's reminders are dropped; the third session's both come, after a long outage only the nearer.
    await post(a, cast.instructor, `/api/live-sessions/${ids[1]}/cancel`, { reason: 'Holiday' });
    clock.set(start.getTime() + 14 * 24 * HOUR - 30 * 60_000);
    await sweepBoth();
    got = await reminders();
    assert.deepEqual(
      got.filter((e) => e.subject !== ids[0]).map((e) => [e.subject, e.data.reminder]),
      [[ids[2], 'last']],
      'the stale 24-hour reminder of the third session is skipped, the 1-hour one sent once',
    );
  });

  test('eraseUser: no row of any table holds the user id; the others\' data stays', async () => {
    clock.set('2026-06-01T08:00:00Z');
    const cast = await createCourse(a, { tag: 'erase' });
    const s = await createSession(a, cast);
    await startSession(a, cast, s.id);
    for (const u of [cast.instructor, cast.student]) await join(a, u, s.id);
    const q = (await post(a, cast.student, `/api/live-sessions/${s.id}/chat`, { type: 'question', text: 'Erase me?' })).json();
    await post(a, cast.instructor, `/api/live-sessions/${s.id}/chat`, { type: 'answer', text: 'Kept.', replyTo: q.id });
    await a.app.inject({ method: 'GET', url: '/api/calendar/feed', headers: cast.student.headers });

    await database.db.transaction(async (tx) => {
      for (const m of a.services.modules) await m.eraseUser?.(tx, cast.student.id);
    });
    const tables = ((await database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as { rows: { table_name: string }[] }).rows.map((r) => r.table_name);
    const liveTables = ['courses', 'course_staff', 'course_enrolments', 'live_sessions', 'live_session_participants', 'live_session_intervals', 'live_session_chat', 'live_session_reminders', 'calendar_feeds'];
    for (const table of liveTables) {
      assert.ok(tables.includes(table), table);
      const [row] = ((await database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} t where t::text like ${`%${cast.student.id}%`}`)) as unknown as { rows: { n: number }[] }).rows;
      assert.equal(row!.n, 0, `${table} still holds the user id`);
    }
    const history = (await get(a, cast.instructor, `/api/live-sessions/${s.id}/chat`)).json().items as Json[];
    assert.deepEqual(history.map((m) => m.text), ['Kept.']);
    const stats = (await get(a, cast.instructor, `/api/live-sessions/${s.id}/stats`)).json();
    assert.deepEqual(stats.participants.map((p: Json) => p.userId), [cast.instructor.id]);
    // The erased instructor is also struck from the course's list.
    await database.db.transaction(async (tx) => {
      for (const m of a.services.modules) await m.eraseUser?.(tx, cast.moderator.id);
    });
    assert.deepEqual((await get(a, cast.admin, `/api/courses/${cast.courseId}`)).json().moderatorIds, []);
  });
});
