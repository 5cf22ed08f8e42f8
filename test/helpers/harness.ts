import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type AppConfig } from '../../src/config.ts';
import { createServices, type Services } from '../../src/container.ts';
import { startModules, stopModules } from '../../src/modules/module.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { ManualTimers, type IntervalTimers } from '../../src/shared/timers.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { openTestDatabase } from './database.ts';

/** A user a test acts as. */
export interface TestUser {
  id: string;
  name: string;
  token: string;
  /** `Authorization` header for `app.inject`. */
  headers: { authorization: string };
}

/** A built app over a fresh database, with a manual clock and helpers. */
export interface TestApp {
  app: FastifyInstance;
  services: Services;
  config: AppConfig;
  database: DatabaseHandle;
  clock: ManualClock;
  /** The modules' own timers (signaling liveness): nothing fires until `timers.tick()`. */
  timers: ManualTimers;
  /** Signs a token for a user (the app runs in development auth mode with an in-memory secret). */
  user(name: string, opts?: { admin?: boolean; tier?: 'free' | 'premium'; id?: string; roles?: string[]; email?: string }): Promise<TestUser>;
  /** Starts listening on 127.0.0.1 on `port` (default: a free one). @returns the base URL, e.g. `http://127.0.0.1:40123`. */
  listen(port?: number): Promise<string>;
  /** Runs every background sweep once at the clock's current time (the shared jobs, then the modules' own sweeps). */
  runJobs(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the real app (real services, real database, real routes) for a test. Jobs are not
 * scheduled: tests move `clock` and call `runJobs()`.
 * @param env extra environment for `loadConfig`, e.g. `{ RULES_RECONNECT_WINDOW: '10s' }`.
 * @param logTo a stream receiving every log line at level trace (log assertions).
 * @param database an open database to share with another app (two instances of the service); the
 *   app does not close it. By default each app opens (and closes) a fresh one.
 * @param timers the modules' own timers; by default `ManualTimers` (nothing fires by itself); the
 *   benchmark passes real ones.
 */
export async function createTestApp(
  opts: { clock?: ManualClock; env?: Record<string, string>; logTo?: Writable; database?: DatabaseHandle; timers?: IntervalTimers } = {},
): Promise<TestApp> {
  const clock = opts.clock ?? new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: opts.logTo ? 'trace' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
    RATE_LIMIT_PER_MINUTE: '100000',
    ...opts.env,
  });
  const database = opts.database ?? (await openTestDatabase());
  const logger = createLogger(config.server.logLevel, opts.logTo);
  // Modules' own timers (signaling liveness) fire only when a test ticks them: time is the manual clock's.
  const timers = new ManualTimers();
  const services = createServices({ config, database, clock, logger, timers: opts.timers ?? timers });
  const app = await buildApp({ config, services, database, clock, logger });
  await app.ready();
  await startModules(services.modules);
  let closed = false;
  return {
    app,
    services,
    config,
    database,
    clock,
    timers,
    async user(name, userOpts = {}) {
      const id = userOpts.id ?? `u-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      const token = await services.auth.sign({
        sub: id,
        name,
        roles: [...(userOpts.admin ? ['admin'] : []), ...(userOpts.roles ?? [])],
        tier: userOpts.tier ?? 'free',
        email: userOpts.email,
      });
      return { id, name, token, headers: { authorization: `Bearer ${token}` } };
    },
    async listen(port = 0) {
      await app.listen({ port, host: '127.0.0.1' });
      const address = app.server.address();
      if (!address || typeof address === 'string') throw new Error('server has no TCP address');
      return `http://127.0.0.1:${address.port}`;
    },
    async runJobs() {
      // The shared runner's jobs, then the sweeps modules run on timers of their own (liveness).
      const failed = await services.jobs.runAll(clock.now());
      for (const sweep of services.modules.flatMap((m) => m.ownSweeps ?? [])) {
        await sweep.run(clock.now()).catch(() => failed.push(sweep.name));
      }
      if (failed.length) throw new Error(`jobs failed: ${failed.join(', ')}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await services.jobs.stop();
      await stopModules(services.modules);
      await app.close();
      if (!opts.database) await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a slot starting `startInMs` from now (default 10 min) as an admin, registers `names`
 * in order, moves the clock to the slot's registration close and runs the jobs, so that
 * matchmaking forms the sessions. The clock is left at `startTime - RULES_REGISTRATION_CUTOFF`,
 * inside the join window with the default rules.
 * @returns the slot id and start, the users, and the session id of each user.
 */
export async function createMatchedSession(
  t: TestApp,
  names: string[],
  opts: { startInMs?: number; durationMinutes?: 15 | 30 | 45 } = {},
): Promise<{ slotId: string; startTime: Date; users: TestUser[]; sessionIds: Map<string, string> }> {
  const admin = await t.user('Admin', { admin: true });
  const startTime = new Date(t.clock.now().getTime() + (opts.startInMs ?? 10 * 60_000));
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/slots',
    headers: admin.headers,
    payload: { targetLanguageCode: 'en', level: 'B1', startTime: startTime.toISOString(), durationMinutes: opts.durationMinutes ?? 30 },
  });
  if (created.statusCode !== 201) throw new Error(`slot creation failed: ${created.body}`);
  const slotId = created.json().id as string;
  const users: TestUser[] = [];
  for (const name of names) {
    const u = await t.user(name);
    const reg = await t.app.inject({ method: 'POST', url: `/api/slots/${slotId}/registrations`, headers: u.headers });
    if (reg.statusCode !== 201) throw new Error(`registration of ${name} failed: ${reg.body}`);
    users.push(u);
  }
  t.clock.set(startTime.getTime() - t.config.rules.registrationCutoffMs);
  await t.runJobs();
  const sessionIds = new Map<string, string>();
  for (const u of users) {
    const list = await t.app.inject({ method: 'GET', url: '/api/registrations', headers: u.headers });
    const reg = (list.json().items as { timeSlotId: string; sessionId: string | null }[]).find((r) => r.timeSlotId === slotId);
    if (reg?.sessionId) sessionIds.set(u.id, reg.sessionId);
  }
  return { slotId, startTime, users, sessionIds };
}
