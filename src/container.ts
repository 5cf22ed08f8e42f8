import type { AppConfig } from './config.ts';
import type { DatabaseHandle } from './db/client.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { createAuthModule } from './modules/auth/auth.module.ts';
import { createCalendarModule } from './modules/calendar/calendar.module.ts';
import { createIdempotencyModule } from './modules/idempotency/idempotency.module.ts';
import { createIceModule } from './modules/ice/ice.module.ts';
import { createInboxModule } from './modules/inbox/inbox.module.ts';
import type { Eraser } from './modules/inbox/inbox.service.ts';
import { createLiveCoursesModule } from './modules/live-courses/live-courses.module.ts';
import { createMatchmakingModule } from './modules/matchmaking/matchmaking.module.ts';
import { createMetricsModule } from './modules/metrics/metrics.module.ts';
import type { ModuleContext, ServiceModule } from './modules/module.ts';
import type { EventDefinition } from './modules/outbox/cloud-event.ts';
import { createOutboxModule } from './modules/outbox/outbox.module.ts';
import { createRecordingsModule } from './modules/recordings/recordings.module.ts';
import { createRegistrationsModule } from './modules/registrations/registrations.module.ts';
import { createSessionsModule } from './modules/sessions/sessions.module.ts';
import { SpeakingLedger } from './modules/sessions/speaking-ledger.ts';
import { createSignalingModule } from './modules/signaling/signaling.module.ts';
import type { SignalingTickets } from './modules/signaling/signaling.tickets.ts';
import { createSlotsModule } from './modules/slots/slots.module.ts';
import type { Clock } from './shared/clock.ts';
import type { Logger } from './shared/logger.ts';
import type { IntervalTimers } from './shared/timers.ts';

/**
 * Builds the modules over an open database, in dependency order (also their start order): one
 * line per module, and its name in the registry. Nothing connects or starts here (`startModules` does).
 * @throws Error when development auth is refused (production without JWT_SECRET).
 */
function buildModules(ctx: ModuleContext, ledger: SpeakingLedger) {
  const catalog = () => eventCatalog(Object.values(registry));
  const auth = createAuthModule(ctx);
  const outbox = createOutboxModule(ctx, { catalog });
  const metrics = createMetricsModule(ctx, { outbox: outbox.service });
  const idempotency = createIdempotencyModule(ctx);
  const slots = createSlotsModule(ctx);
  const registrations = createRegistrationsModule(ctx, { slots: slots.service, outbox: outbox.service, idempotency: idempotency.service });
  const sessions = createSessionsModule(ctx, { registrations: registrations.service, outbox: outbox.service, ledger, idempotency: idempotency.service });
  const matchmaking = createMatchmakingModule(ctx, { slots: slots.service, registrations: registrations.service, sessions: sessions.service });
  const signaling = createSignalingModule(ctx, { auth: auth.service, sessions: sessions.service.participation, ledger, metrics: metrics.service });
  const recordings = createRecordingsModule(ctx, { sessions: sessions.service, outbox: outbox.service });
  const ice = createIceModule(ctx);
  const liveCourses = createLiveCoursesModule(ctx, { outbox: outbox.service });
  const calendar = createCalendarModule(ctx, { live: liveCourses.service, registrations: registrations.service });
  const inbox = createInboxModule(ctx, { erasers: () => erasers(Object.values(registry)) });
  const registry = { auth, outbox, metrics, idempotency, slots, registrations, sessions, matchmaking, signaling, recordings, ice, liveCourses, calendar, inbox };
  return registry;
}

/** Every module's share of a user's erasure (`user.deleted`), in registry order. */
function erasers(modules: readonly ServiceModule[]): Eraser[] {
  return modules.flatMap((m) => (m.eraseUser ? [{ name: m.name, eraseUser: m.eraseUser.bind(m) }] : []));
}

/** Every event type the modules publish and consume (the AsyncAPI document, the Kafka topics). */
function eventCatalog(modules: readonly ServiceModule[]): { published: EventDefinition[]; consumed: EventDefinition[] } {
  return { published: modules.flatMap((m) => m.events ?? []), consumed: modules.flatMap((m) => m.consumes ?? []) };
}

type Registry = ReturnType<typeof buildModules>;

/** Every module's service by module name (main and tests build the same graph), plus the shared parts. */
export type Services = { [K in keyof Registry]: Registry[K]['service'] } & {
  /** Single-use signaling tickets (`POST /api/signaling/tickets`). */
  signalingTickets: SignalingTickets;
  /** Speaking time signaling measured and the database does not hold yet (sessions reads it). */
  ledger: SpeakingLedger;
  /** The modules in start order (`stopModules` stops them in reverse). */
  modules: ServiceModule[];
  /** The shared job runner: every module's `jobs`. */
  jobs: JobRunner;
};

/**
 * Builds the service graph over an open database (the speaking ledger, the modules, the job runner).
 * @throws Error when development auth is refused (production without JWT_SECRET).
 */
export function createServices(deps: { config: AppConfig; database: DatabaseHandle; clock: Clock; logger: Logger; timers?: IntervalTimers }): Services {
  const ledger = new SpeakingLedger();
  const registry = buildModules({ ...deps, db: deps.database.db }, ledger);
  const modules: ServiceModule[] = Object.values(registry);
  const jobs = new JobRunner(
    modules.flatMap((m) => m.jobs ?? []),
    deps.logger.child({ module: 'jobs' }),
    registry.metrics.service,
  );
  const services = Object.fromEntries(Object.entries(registry).map(([name, m]) => [name, m.service])) as { [K in keyof Registry]: Registry[K]['service'] };
  return { ...services, signalingTickets: registry.signaling.tickets, ledger, modules, jobs };
}
