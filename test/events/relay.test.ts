import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { retryDelayMs } from '../../src/modules/outbox/backoff.ts';
import type { OutboxEvent } from '../../src/modules/outbox/cloud-event.ts';
import { OutboxService } from '../../src/modules/outbox/outbox.service.ts';
import { DEFAULT_RELAY_SETTINGS, OutboxRelay, type RelaySettings } from '../../src/modules/outbox/relay.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { ManualTimers } from '../../src/shared/timers.ts';
import { openTestDatabase, outboxSettled, postgresServerUrl } from '../helpers/database.ts';
import { DeliveryLog, FlakySink, ReliableSink, firstOrderViolation, seededRandom } from './support.ts';

/**
 * The outbox relay (issue 10, DESIGN 4.8): events reach every sink at least once, in order per
 * key, whatever the sink does (fail, hang, duplicate), across a relay that dies mid-batch, and
 * once per event with two relays running at once. Runs on PGlite and on the PostgreSQL server
 * (`DATABASE_URL`); the two-relay and crash cases need concurrent transactions, so they always
 * use the server.
 */
const silent = pino({ level: 'silent' });
const ADMIN = { id: 'relay-admin', name: 'Relay Admin', roles: ['admin'], tier: 'free' as const, levels: {}, email: null };
const settings = (over: Partial<RelaySettings> = {}): RelaySettings => ({
  ...DEFAULT_RELAY_SETTINGS,
  intervalMs: 1_000,
  publishTimeoutMs: 25,
  maxAttempts: 10_000,
  batchSize: 200,
  maxRoundsPerTick: 1,
  backoff: { baseMs: 10, capMs: 500 },
  ...over,
});

/** Writes `perKey` events for each of `keys` keys, `perTx` per transaction, keys interleaved. @returns the ids per key, in order. */
async function writeEvents(outbox: OutboxService, db: Parameters<OutboxService['record']>[0], keys: number, perKey: number, perTx: number, prefix = 'key'): Promise<Map<string, string[]>> {
  const events: OutboxEvent[] = [];
  for (let n = 0; n < perKey; n++) {
    for (let k = 0; k < keys; k++) {
      const key = `${prefix}-${k}`;
      events.push({ type: 'session.started', subject: key, key, time: new Date('2026-12-01T10:00:00Z'), data: { sessionId: key, n } });
    }
  }
  for (let i = 0; i < events.length; i += perTx) await db.transaction((tx) => outbox.recordMany(tx, events.slice(i, i + perTx)));
  await outboxSettled(db);
  const written = new Map<string, string[]>();
  for (let after: string | undefined, rows; ; after = rows.nextCursor ?? undefined) {
    rows = await outbox.list(ADMIN, after, 500);
    for (const e of rows.items) {
      if (!e.partitionkey.startsWith(`${prefix}-`)) continue; // another test's events
      const list = written.get(e.partitionkey) ?? [];
      list.push(e.id);
      written.set(e.partitionkey, list);
    }
    if (rows.items.length < 500) break;
  }
  return written;
}

/** Runs relay rounds, the clock moving 1 s each, until nothing is left unsent (or `maxRounds`). */
async function drain(relay: OutboxRelay, outbox: OutboxService, clock: ManualClock, maxRounds: number): Promise<number> {
  for (let round = 1; round <= maxRounds; round++) {
    clock.advance(1_000);
    await relay.runOnce(clock.now());
    if ((await outbox.backlog(clock.now())).unpublished === 0) return round;
  }
  throw new Error(`still events unsent after ${maxRounds} rounds`);
}

describe('outbox relay', () => {
  test('5,000 events over a sink that fails, hangs and duplicates at random: every one delivered, in order per key, all marked sent', async () => {
    const database = await openTestDatabase();
    try {
      const outbox = new OutboxService(database.db, 7 * 86_400_000, ['flaky']);
      const written = await writeEvents(outbox, database.db, 50, 100, 250);
      const log = new DeliveryLog();
      const clock = new ManualClock('2026-12-01T10:00:00Z');
      const relay = new OutboxRelay({ db: database.db, sinks: [new FlakySink('flaky', log, seededRandom(42))], clock, logger: silent, settings: settings(), random: seededRandom(7) });
      const rounds = await drain(relay, outbox, clock, 3_000);
      assert.equal(log.ids().size, 5_000, 'every event arrived');
      assert.equal(firstOrderViolation(written, log), null);
      assert.ok(log.count > 5_000, `the sink saw duplicates (${log.count - 5_000}), which consumers drop by id`);
      assert.ok(rounds > 25, `failures and hangs made the relay retry (${rounds} rounds)`);
    } finally {
      await database.close();
    }
  });

  test('a poison event parks its key only; the others go on; an admin retry delivers it once fixed', async () => {
    const database = await openTestDatabase();
    try {
      const outbox = new OutboxService(database.db, 7 * 86_400_000, ['picky']);
      const written = await writeEvents(outbox, database.db, 5, 4, 20);
      const log = new DeliveryLog();
      const sink = new ReliableSink('picky', log, new Set(['key-3']));
      const clock = new ManualClock('2026-12-01T10:00:00Z');
      const relay = new OutboxRelay({ db: database.db, sinks: [sink], clock, logger: silent, settings: settings() });
      clock.advance(1_000);
      await relay.runOnce(clock.now());
      assert.deepEqual([...log.byKey.keys()].sort(), ['key-0', 'key-1', 'key-2', 'key-4']);
      const admin = ADMIN;
      const parked = await outbox.listParked(admin);
      assert.deepEqual(parked.items.map((p) => [p.sink, p.key, p.error]), [['picky', 'key-3', 'refused: this event is too large']]);
      assert.equal(parked.items[0].eventId, written.get('key-3')![0], 'parked on its first event');
      clock.advance(3_600_000);
      await relay.runOnce(clock.now());
      assert.equal(log.byKey.get('key-3'), undefined, 'a parked key waits, however long');
      sink.refuse.clear();
      await outbox.retryParked(admin, 'picky', 'key-3', clock.now());
      await relay.runOnce(clock.now());
      assert.deepEqual(log.byKey.get('key-3'), written.get('key-3'));
      assert.equal((await outbox.backlog(clock.now())).unpublished, 0);
      await assert.rejects(outbox.retryParked(admin, 'picky', 'key-3', clock.now()), { code: 'NOT_PARKED' });
      await assert.rejects(outbox.listParked({ ...admin, roles: [] }), { code: 'ADMIN_ONLY' });
    } finally {
      await database.close();
    }
  });

  test('a parked key with more events than a round holds does not hold the others back', async () => {
    const database = await openTestDatabase();
    try {
      const outbox = new OutboxService(database.db, 7 * 86_400_000, ['picky']);
      // 30 events of `stuck-0` first, then 5 of each other key: the relay reads 10 a round.
      const events: OutboxEvent[] = Array.from({ length: 30 }, (_, n) => ({ type: 'session.started', subject: 'stuck-0', key: 'stuck-0', time: new Date('2026-12-01T10:00:00Z'), data: { sessionId: 'stuck-0', n } }));
      await database.db.transaction((tx) => outbox.recordMany(tx, events));
      const written = await writeEvents(outbox, database.db, 3, 5, 15, 'free');
      const log = new DeliveryLog();
      const clock = new ManualClock('2026-12-01T10:00:00Z');
      const relay = new OutboxRelay({ db: database.db, sinks: [new ReliableSink('picky', log, new Set(['stuck-0']))], clock, logger: silent, settings: settings({ batchSize: 10 }) });
      await relay.runOnce(clock.now()); // parks stuck-0 on its first event
      for (let i = 0; i < 3; i++) await relay.runOnce(clock.now());
      assert.equal(firstOrderViolation(written, log), null, 'the other keys got all theirs, past 30 held-back events');
      assert.equal((await outbox.backlog(clock.now())).unpublished, 30);
    } finally {
      await database.close();
    }
  });

  test('a failing key backs off exponentially with jitter; after maxAttempts it is parked', async () => {
    assert.equal(retryDelayMs(1, { baseMs: 1_000, capMs: 60_000 }, 0.999), 999);
    assert.equal(retryDelayMs(4, { baseMs: 1_000, capMs: 60_000 }, 0.5), 4_000);
    assert.equal(retryDelayMs(30, { baseMs: 1_000, capMs: 60_000 }, 0.5), 30_000, 'capped');
    assert.equal(retryDelayMs(3, { baseMs: 1_000, capMs: 60_000 }, 0), 1, 'never zero');

    const database = await openTestDatabase();
    try {
      const outbox = new OutboxService(database.db, 7 * 86_400_000, ['down']);
      await writeEvents(outbox, database.db, 1, 1, 1);
      const log = new DeliveryLog();
      const down = new FlakySink('down', log, () => 0, { fail: 1, hang: 0, duplicate: 0 }); // fails every time, delivers nothing
      const clock = new ManualClock('2026-12-01T10:00:00Z');
      const relay = new OutboxRelay({ db: database.db, sinks: [down], clock, logger: silent, settings: settings({ maxAttempts: 3, backoff: { baseMs: 60_000, capMs: 600_000 } }), random: () => 0.5 });
      await relay.runOnce(clock.now()); // attempt 1; next not before +30 s
      clock.advance(29_000);
      await relay.runOnce(clock.now());
      assert.equal((await outbox.listParked(ADMIN)).items.length, 0);
      clock.advance(2_000);
      await relay.runOnce(clock.now()); // attempt 2; next not before +60 s
      clock.advance(61_000);
      await relay.runOnce(clock.now()); // attempt 3: parked
      const parked = await outbox.listParked(ADMIN);
      assert.deepEqual(parked.items.map((p) => p.failures), [3]);
    } finally {
      await database.close();
    }
  });

  test('sent events are pruned after EVENTS_RETENTION; unsent ones stay; without a sink the log is pruned by age', async () => {
    const database = await openTestDatabase();
    try {
      const outbox = new OutboxService(database.db, 7 * 86_400_000, ['keep']);
      await writeEvents(outbox, database.db, 3, 2, 6, 'prune');
      const log = new DeliveryLog();
      const sink = new ReliableSink('keep', log, new Set(['prune-2']));
      const clock = new ManualClock('2026-12-01T10:00:00Z');
      const relay = new OutboxRelay({ db: database.db, sinks: [sink], clock, logger: silent, settings: settings() });
      await relay.runOnce(clock.now());
      assert.equal(await outbox.prune(new Date(clock.now().getTime() + 7 * 86_400_000 - 1)), 0, 'not yet');
      assert.equal(await outbox.prune(new Date(clock.now().getTime() + 7 * 86_400_000 + 1)), 4, 'the 4 sent events of keys 0 and 1');
      assert.equal((await outbox.backlog(clock.now())).unpublished, 2, "key 2's events wait, parked");
      const logOnly = new OutboxService(database.db, 7 * 86_400_000, []);
      assert.equal(await logOnly.prune(new Date('2026-12-08T10:00:01Z')), 2, 'no sink: the admin log keeps 7 days of events');
    } finally {
      await database.close();
    }
  });

  test('its own timer drives it between start and stop (ticked by hand here)', async () => {
    const database = await openTestDatabase();
    try {
      const outbox = new OutboxService(database.db, 7 * 86_400_000, ['timed']);
      await writeEvents(outbox, database.db, 2, 2, 4);
      const log = new DeliveryLog();
      const timers = new ManualTimers();
      const relay = new OutboxRelay({ db: database.db, sinks: [new ReliableSink('timed', log)], clock: new ManualClock(), logger: silent, settings: settings(), timers });
      await relay.start();
      assert.equal(timers.active, 1);
      timers.tick();
      await relay.runOnce(); // waits for the round the tick started
      assert.equal(log.count, 4);
      await relay.stop();
      assert.equal(timers.active, 0);
    } finally {
      await database.close();
    }
  });
});

describe('outbox relay on the PostgreSQL server (concurrent relays, a crash mid-batch)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  before(async () => {
    database = await openTestDatabase({ serverUrl: postgresServerUrl });
  });
  after(() => database.close());

  test('two relays at once deliver each event once (the lease keeps one per sink)', async () => {
    const outbox = new OutboxService(database.db, 7 * 86_400_000, ['shared']);
    const written = await writeEvents(outbox, database.db, 20, 25, 100, 'pair');
    const log = new DeliveryLog();
    const clock = new ManualClock('2026-12-01T10:00:00Z');
    const make = () => new OutboxRelay({ db: database.db, sinks: [new ReliableSink('shared', log)], clock, logger: silent, settings: settings({ maxRoundsPerTick: 100 }) });
    const [a, b] = [make(), make()];
    for (let i = 0; i < 10 && (await outbox.backlog(clock.now())).unpublished > 0; i++) {
      const [ra, rb] = await Promise.all([a.runOnce(clock.now()), b.runOnce(clock.now())]);
      assert.ok(!(ra.some((r) => r.delivered > 0) && rb.some((r) => r.delivered > 0)), 'only the lease holder delivers');
    }
    assert.equal(log.count, 500, 'no duplicate in the normal case');
    assert.equal(firstOrderViolation(written, log), null);
  });

  test('a relay that dies mid-batch loses nothing: once its lease lapses another one re-sends the batch', async () => {
    const outbox = new OutboxService(database.db, 7 * 86_400_000, ['crashy']);
    const written = await writeEvents(outbox, database.db, 10, 30, 100, 'crash');
    const log = new DeliveryLog();
    const clock = new ManualClock('2026-12-01T10:00:00Z');
    // The first relay's sink takes the batch and never answers; with a timeout longer than the
    // test it behaves as a process killed in the middle of a delivery: nothing is recorded.
    const dying = new OutboxRelay({
      db: database.db,
      sinks: [new FlakySink('crashy', log, () => 0, { fail: 0, hang: 1, duplicate: 0 })],
      clock,
      logger: silent,
      settings: settings({ publishTimeoutMs: 600_000 }),
    });
    void dying.runOnce(clock.now());
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(log.count > 0, 'the dying relay delivered part of its batch');
    const survivor = new OutboxRelay({ db: database.db, sinks: [new ReliableSink('crashy', log)], clock, logger: silent, settings: settings({ maxRoundsPerTick: 100 }) });
    const blocked = await survivor.runOnce(clock.now());
    assert.equal(blocked[0].leased, false, 'the dead relay still holds the lease');
    clock.advance(DEFAULT_RELAY_SETTINGS.leaseMs + 1);
    await survivor.runOnce(clock.now());
    assert.equal((await outbox.backlog(clock.now())).unpublished, 0);
    assert.equal(log.ids().size, 300);
    assert.equal(firstOrderViolation(written, log), null);
  });
});
