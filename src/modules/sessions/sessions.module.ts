import type { ModuleContext, ServiceModule } from '../module.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import { DatabaseInviteAttempts } from './invite-attempts.repository.ts';
import { SESSION_EVENTS } from './sessions.events.ts';
import { RedisInviteAttempts } from './redis-invite-attempts.ts';
import { sessionsRoutes } from './sessions.routes.ts';
import type { IdempotencyService } from '../idempotency/idempotency.service.ts';
import { SessionsService } from './sessions.service.ts';
import type { SpeakingLedger } from './speaking-ledger.ts';

/** Sessions and participants (seed 000 §5.3, seed 002): private sessions, host role, lifecycle, events. */
export function createSessionsModule(
  ctx: ModuleContext,
  deps: { registrations: RegistrationsService; outbox: OutboxService; ledger: SpeakingLedger; idempotency: IdempotencyService },
): ServiceModule<SessionsService> {
  const { perUser, perAddress, windowMs, globalPerHour } = ctx.config.inviteCodeAttempts;
  // Shared by every instance: Redis when configured, else the database all instances use.
  const redis = ctx.config.redis.url ? new RedisInviteAttempts(ctx.config.redis.url, ctx.config.signaling.redisKeyPrefix) : null;
  const store = redis ?? new DatabaseInviteAttempts(ctx.db);
  const sessions = new SessionsService({
    db: ctx.db,
    rules: ctx.config.rules,
    registrations: deps.registrations,
    outbox: deps.outbox,
    ledger: deps.ledger,
    inviteLimits: { store, perUser, perAddress, windowMs, globalPerHour },
    // One instance: admission may answer from memory (several instances would not hear each other's leaves).
    cacheMembership: !ctx.config.redis.url,
    databaseInProcess: ctx.database.kind === 'pglite',
  });
  return {
    name: 'sessions',
    service: sessions,
    routes: (scope) => sessionsRoutes(scope, { sessions, clock: ctx.clock, idempotency: deps.idempotency }),
    jobs: [
      { name: 'session-lifecycle', run: (now) => sessions.runLifecycle(now) },
      { name: 'invite-attempts-prune', run: (now) => sessions.pruneInviteAttempts(now) },
    ],
    events: SESSION_EVENTS,
    eraseUser: (tx, userId) => sessions.eraseUser(tx, userId),
    ...(redis ? { stop: () => redis.stop() } : {}),
  };
}
