/**
 * Matchmaking benchmark (DESIGN 6: 100,000 registrations over 1,000 slots matched in under 5 s).
 * Creates the slots through the service, bulk-inserts registrations (the registration path has
 * its own tests), then times one matchmaking sweep and prints the figures.
 *
 *   npm run bench:matchmaking                      # embedded PGlite
 *   DATABASE_URL=postgres://... npm run bench:matchmaking
 * Options: SLOTS (1000), PER_SLOT (100), BATCH (100: slots per transaction, the job's default),
 * DRAIN (1: then time the outbox relay delivering the sweep's events to an in-process sink that
 * takes everything, with the relay's default settings, rounds chained; 0 skips it).
 */
import crypto from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/container.ts';
import { registrations } from '../src/db/schema.ts';
import type { EventSink, KeyBatch, KeyOutcome } from '../src/modules/outbox/event-sink.ts';
import { OutboxService } from '../src/modules/outbox/outbox.service.ts';
import { DEFAULT_RELAY_SETTINGS, OutboxRelay } from '../src/modules/outbox/relay.ts';
import { ManualClock } from '../src/shared/clock.ts';
import { createLogger } from '../src/shared/logger.ts';
import { openTestDatabase } from '../test/helpers/database.ts';

const slotsCount = Number(process.env.SLOTS ?? 1000);
const perSlot = Number(process.env.PER_SLOT ?? 100);
const clock = new ManualClock('2030-01-01T08:00:00Z');
const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/tmp/cs-bench-unused' });
const database = await openTestDatabase();
const services = createServices({ config, database, clock, logger: createLogger('silent') });
const admin = { id: 'bench-admin', name: 'Bench', roles: ['admin'], tier: 'free' as const, levels: {}, email: null };

const start = new Date(clock.now().getTime() + 60 * 60_000);
const slotIds: string[] = [];
for (let i = 0; i < slotsCount; i++) {
  const slot = await services.slots.createSlot(
    admin,
    { targetLanguageCode: 'en', level: 'B1', startTime: start.toISOString(), durationMinutes: 30, maxParticipants: 200 },
    clock.now(),
  );
  slotIds.push(slot.id);
}
const rows = slotIds.flatMap((timeSlotId, s) =>
  Array.from({ length: perSlot }, (_, i) => ({
    id: crypto.randomUUID(),
    timeSlotId,
    userId: `user-${s}-${i}`,
    displayName: `User ${s}-${i}`,
    status: 'registered',
    registeredAt: clock.now(),
    cancelledAt: null,
    sessionId: null,
    unmatchedReason: null,
  })),
);
for (let i = 0; i < rows.length; i += 2000) await database.db.insert(registrations).values(rows.slice(i, i + 2000));

clock.set(start.getTime() - config.rules.registrationCutoffMs);
const began = process.hrtime.bigint();
const result = await services.matchmaking.run(clock.now(), Number(process.env.BATCH ?? 100));
const ms = Number(process.hrtime.bigint() - began) / 1e6;
console.log(`database            ${database.kind}`);
console.log(`slots               ${result.slotsProcessed}`);
console.log(`registrations       ${rows.length}`);
console.log(`sessions created    ${result.sessionsCreated}`);
console.log(`unmatched           ${result.unmatched}`);
console.log(`matchmaking time    ${ms.toFixed(0)} ms (target < 5000 ms)`);
console.log(`per registration    ${((ms * 1000) / rows.length).toFixed(1)} µs`);

if (process.env.DRAIN !== '0') {
  // What a learner waits for: every registration.matched handed to the sink (Kafka's place).
  let delivered = 0;
  const sink: EventSink = {
    name: 'bench',
    description: 'in-process counting sink',
    start: async () => undefined,
    stop: async () => undefined,
    publish: async (batches: readonly KeyBatch[]): Promise<KeyOutcome[]> =>
      batches.map((b) => ((delivered += b.events.length), { key: b.key, delivered: b.events.length })),
  };
  const outbox = new OutboxService(database.db, 7 * 86_400_000, [sink.name]);
  const unsent = (await outbox.backlog(clock.now())).unpublished;
  const relay = new OutboxRelay({
    db: database.db,
    sinks: [sink],
    clock,
    logger: createLogger('silent'),
    // As the service's relay (outbox.module.ts), its ticks chained here without their interval.
    settings: { ...DEFAULT_RELAY_SETTINGS, intervalMs: config.events.relayIntervalMs, publishTimeoutMs: config.events.publishTimeoutMs, maxAttempts: config.events.maxAttempts, maxRoundsPerTick: 1_000_000 },
  });
  const drainBegan = process.hrtime.bigint();
  await relay.runOnce(clock.now());
  const drainMs = Number(process.hrtime.bigint() - drainBegan) / 1e6;
  const left = (await outbox.backlog(clock.now())).unpublished;
  console.log(`events to deliver   ${unsent}`);
  console.log(`relay delivery      ${drainMs.toFixed(0)} ms for ${delivered} events (${((delivered * 1000) / drainMs).toFixed(0)} events/s, ${left} left)`);
}
await services.signaling.stop();
await database.close();
