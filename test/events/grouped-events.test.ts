import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import type { DatabaseHandle, Executor } from '../../src/db/client.ts';
import { rowsOf } from '../../src/db/locks.ts';
import type { CloudEvent } from '../../src/modules/outbox/cloud-event.ts';
import { OutboxService } from '../../src/modules/outbox/outbox.service.ts';
import { DEFAULT_RELAY_SETTINGS, OutboxRelay } from '../../src/modules/outbox/relay.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { openTestDatabase, outboxSettled } from '../helpers/database.ts';
import { DeliveryLog, FlakySink, ReliableSink, firstOrderViolation, seededRandom } from './support.ts';

/**
 * Grouped outbox rows (issue 14): matchmaking writes one row per session holding every member's
 * `registration.matched`. Readers must never tell: the admin log pages through them event by
 * event with stable ids, the relay delivers each member as its own CloudEvent in order per key
 * (a poison member parks its key only), erasure removes one member, and pruning forgets the
 * members' relay positions. Runs on PGlite and on the PostgreSQL server (`DATABASE_URL`).
 */
const silent = pino({ level: 'silent' });
const ADMIN = { id: 'grouped-admin', name: 'Grouped Admin', roles: ['admin'], tier: 'free' as const, levels: {}, email: null };
const TIME = new Date('2026-12-01T10:00:00Z');
const settings = { ...DEFAULT_RELAY_SETTINGS, intervalMs: 1_000, publishTimeoutMs: 25, maxAttempts: 10_000, batchSize: 7, maxRoundsPerTick: 1, backoff: { baseMs: 10, capMs: 500 } };

/** Writes one grouped row: `registration.matched` of `members` ([subject, key]) in session `group`. */
async function writeGroup(outbox: OutboxService, db: Executor, group: string, members: [string, string][]): Promise<void> {
  const query = sql`select 'registration.matched' as type, ${group}::text as group_id, ${TIME.toISOString()}::timestamptz as time,
    jsonb_build_object('sessionId', ${group}::text, 'timeSlotId', 'slot-1') as data,
    ${sql.param(members.map((m) => m[0]))}::text[] as subjects, ${sql.param(members.map((m) => m[1]))}::text[] as keys`;
  await db.transaction((tx) => outbox.recordGrouped(tx, { query, subjectField: 'registrationId', keyField: 'userId' }));
}

async function writeOne(outbox: OutboxService, db: Executor, key: string, n: number): Promise<void> {
  await db.transaction((tx) => outbox.record(tx, { type: 'registration.created', subject: `plain-${key}-${n}`, key, time: TIME, data: { userId: key, n } }));
}

/** The whole admin log, `limit` events per page. */
async function listAll(outbox: OutboxService, db: Executor, limit: number): Promise<(CloudEvent & { cursor: string })[]> {
  await outboxSettled(db);
  const out: (CloudEvent & { cursor: string })[] = [];
  for (let after: string | undefined; ; ) {
    const page = await outbox.list(ADMIN, after, limit);
    out.push(...page.items);
    if (page.items.length < limit) return out;
    after = page.nextCursor ?? undefined;
  }
}

async function withDatabase(run: (database: DatabaseHandle) => Promise<void>): Promise<void> {
  const database = await openTestDatabase();
  try {
    await run(database);
  } finally {
    await database.close();
  }
}

describe('grouped outbox rows', () => {
  test('the admin log lists one event per member, with stable ids, and pages through a row without skipping', () =>
    withDatabase(async ({ db }) => {
      const outbox = new OutboxService(db);
      await writeOne(outbox, db, 'u-1', 1);
      await writeGroup(outbox, db, 'session-a', [1, 2, 3, 4, 5].map((i) => [`reg-${i}`, `u-${i}`]));
      await writeOne(outbox, db, 'u-2', 2);

      const whole = await listAll(outbox, db, 500);
      assert.deepEqual(whole.map((e) => e.subject), ['plain-u-1-1', 'reg-1', 'reg-2', 'reg-3', 'reg-4', 'reg-5', 'plain-u-2-2']);
      const third = whole[3];
      assert.deepEqual(third.data, { sessionId: 'session-a', timeSlotId: 'slot-1', registrationId: 'reg-3', userId: 'u-3' });
      assert.deepEqual([third.type, third.partitionkey, third.time, third.source], ['registration.matched', 'u-3', TIME.toISOString(), '/conversation-service']);
      assert.match(third.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(new Set(whole.map((e) => e.id)).size, 7, 'every event its own id');
      assert.deepEqual((await listAll(outbox, db, 500)).map((e) => e.id), whole.map((e) => e.id), 'the same ids on every read');

      const paged = await listAll(outbox, db, 2);
      assert.deepEqual(paged.map((e) => e.id), whole.map((e) => e.id), 'pages of 2 cut the row and lose nothing');
      assert.match(whole[2].cursor, /^[0-9]+:[0-9]+\.2$/);
      const afterMember = await outbox.list(ADMIN, whole[2].cursor, 500);
      assert.deepEqual(afterMember.items.map((e) => e.subject), ['reg-3', 'reg-4', 'reg-5', 'plain-u-2-2']);

      // An earlier version's bare-seq cursor names a row: reading goes on after all its events.
      const seq = whole[1].cursor.split(':')[1].split('.')[0];
      assert.deepEqual((await outbox.list(ADMIN, seq, 500)).items.map((e) => e.subject), ['plain-u-2-2']);
      await assert.rejects(outbox.list(ADMIN, `${seq}.1`, 10), { code: 'INVALID_CURSOR' });
    }));

  test('the relay delivers each member as its own event, in order per key, over a sink that fails at random', () =>
    withDatabase(async ({ db }) => {
      const outbox = new OutboxService(db, 7 * 86_400_000, ['flaky']);
      // Keys appear in single events before, between and after their groups.
      for (let k = 0; k < 6; k++) await writeOne(outbox, db, `k-${k}`, 0);
      for (let g = 0; g < 8; g++) {
        await writeGroup(outbox, db, `session-${g}`, [0, 1, 2, 3].map((i) => [`reg-${g}-${i}`, `k-${(g + i) % 6}`]));
        await writeOne(outbox, db, `k-${g % 6}`, g + 1);
      }
      const written = new Map<string, string[]>();
      for (const e of await listAll(outbox, db, 500)) written.set(e.partitionkey, [...(written.get(e.partitionkey) ?? []), e.id]);
      const total = [...written.values()].flat().length;
      assert.equal(total, 6 + 8 * 4 + 8);
      assert.equal((await outbox.backlog(TIME)).unpublished, total, 'the backlog counts events, not rows');

      const log = new DeliveryLog();
      const clock = new ManualClock(TIME);
      const relay = new OutboxRelay({ db, sinks: [new FlakySink('flaky', log, seededRandom(3))], clock, logger: silent, settings, random: seededRandom(5) });
      let rounds = 0;
      while ((await outbox.backlog(clock.now())).unpublished > 0 && rounds < 500) {
        clock.advance(1_000);
        await relay.runOnce(clock.now());
        rounds++;
      }
      assert.equal((await outbox.backlog(clock.now())).unpublished, 0, `all sent and marked (${rounds} rounds)`);
      assert.equal(log.ids().size, total);
      assert.equal(firstOrderViolation(written, log), null);
    }));

  test('a poison member parks its key only; its row stays unsent until the retry delivers it', () =>
    withDatabase(async ({ db }) => {
      const outbox = new OutboxService(db, 7 * 86_400_000, ['picky']);
      await writeGroup(outbox, db, 'session-p', [0, 1, 2, 3].map((i) => [`reg-${i}`, `m-${i}`]));
      const log = new DeliveryLog();
      const sink = new ReliableSink('picky', log, new Set(['m-2']));
      const clock = new ManualClock(TIME);
      const relay = new OutboxRelay({ db, sinks: [sink], clock, logger: silent, settings });
      await relay.runOnce(clock.now());
      assert.deepEqual([...log.byKey.keys()].sort(), ['m-0', 'm-1', 'm-3']);
      assert.deepEqual((await outbox.listParked(ADMIN)).items.map((p) => p.key), ['m-2']);
      assert.equal((await outbox.backlog(clock.now())).unpublished, 4, 'a row counts whole until its last member is sent');
      await relay.runOnce(clock.now());
      assert.equal(log.count, 3, 'the members delivered are not sent again');

      sink.refuse.clear();
      await outbox.retryParked(ADMIN, 'picky', 'm-2', clock.now());
      await relay.runOnce(clock.now());
      assert.deepEqual([...log.byKey.keys()].sort(), ['m-0', 'm-1', 'm-2', 'm-3']);
      assert.equal(log.count, 4);
      assert.equal((await outbox.backlog(clock.now())).unpublished, 0);
    }));

  test('erasure removes the user from the groups: the other members keep their events and ids', () =>
    withDatabase(async ({ db }) => {
      const outbox = new OutboxService(db);
      await writeGroup(outbox, db, 'session-e', [['reg-a', 'ann'], ['reg-z', 'zed'], ['reg-b', 'bob']]);
      await writeGroup(outbox, db, 'session-alone', [['reg-z2', 'zed']]);
      const before = await listAll(outbox, db, 500);
      await db.transaction((tx) => outbox.eraseUser(tx, 'zed'));
      const afterErasure = await listAll(outbox, db, 500);
      assert.deepEqual(afterErasure.map((e) => e.partitionkey), ['ann', 'bob']);
      assert.deepEqual(afterErasure.map((e) => e.id), before.filter((e) => e.partitionkey !== 'zed').map((e) => e.id), 'ids do not move');
      assert.deepEqual(afterErasure.map((e) => e.cursor), [before[0].cursor, before[2].cursor], 'nor positions: a cursor inside the row still holds');
      assert.deepEqual((await outbox.list(ADMIN, before[0].cursor, 10)).items.map((e) => e.partitionkey), ['bob']);
      const rows = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from outbox_events o where position('zed' in o::text) > 0`));
      assert.equal(rows[0].n, 0, 'no outbox row names the user');
      assert.equal(rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from outbox_events`))[0].n, 1, 'the group left empty is gone');
    }));

  test('pruning a sent group forgets its members\' relay positions, except for keys with events left', () =>
    withDatabase(async ({ db }) => {
      const outbox = new OutboxService(db, 7 * 86_400_000, ['keep']);
      await writeGroup(outbox, db, 'session-old', [['reg-1', 'amy'], ['reg-2', 'bea']]);
      const clock = new ManualClock(TIME);
      const relay = new OutboxRelay({ db, sinks: [new ReliableSink('keep', new DeliveryLog())], clock, logger: silent, settings });
      await relay.runOnce(clock.now());
      assert.equal((await outbox.backlog(clock.now())).unpublished, 0);
      await writeGroup(outbox, db, 'session-new', [['reg-3', 'bea']]); // not sent yet
      const keys = async () => rowsOf<{ key: string }>(await db.execute(sql`select key from outbox_sink_keys order by key`)).map((r) => r.key);
      assert.deepEqual(await keys(), ['amy', 'bea']);
      assert.equal(await outbox.prune(new Date(TIME.getTime() + 7 * 86_400_000 + 1)), 1, 'the sent row');
      assert.deepEqual(await keys(), ['bea'], "bea's position stays: her next event must not be taken for her first");
      await relay.runOnce(clock.now());
      assert.equal((await outbox.backlog(clock.now())).unpublished, 0);
    }));
});
