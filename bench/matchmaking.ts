/**
 * Matchmaking benchmark (DESIGN 6: 100,000 registrations over 1,000 slots matched in under 5 s).
 * Creates the slots through the service, bulk-inserts registrations (the registration path has
 * its own tests), then times one matchmaking sweep and prints the figures.
 *
 *   npm run bench:matchmaking                      # embedded PGlite
 *   DATABASE_URL=postgres://... npm run bench:matchmaking
 * Options: SLOTS (1000), PER_SLOT (100), BATCH (100: slots per transaction, the job's default).
 */
import crypto from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/container.ts';
import { registrations } from '../src/db/schema.ts';
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
await services.signaling.stop();
await database.close();
