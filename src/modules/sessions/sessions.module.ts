import type { ModuleContext, ServiceModule } from '../module.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import { SESSION_EVENTS } from './sessions.events.ts';
import { sessionsRoutes } from './sessions.routes.ts';
import { SessionsService } from './sessions.service.ts';
import type { SpeakingLedger } from './speaking-ledger.ts';

/** Sessions and participants (seed 000 §5.3, seed 002): private sessions, host role, lifecycle, events. */
export function createSessionsModule(
  ctx: ModuleContext,
  deps: { registrations: RegistrationsService; outbox: OutboxService; ledger: SpeakingLedger },
): ServiceModule<SessionsService> {
  const { perUser, perAddress, windowMs } = ctx.config.inviteCodeAttempts;
  const sessions = new SessionsService({
    db: ctx.db,
    rules: ctx.config.rules,
    registrations: deps.registrations,
    outbox: deps.outbox,
    ledger: deps.ledger,
    inviteLimits: { perUser: { maxFailures: perUser, windowMs }, perAddress: { maxFailures: perAddress, windowMs } },
  });
  return {
    name: 'sessions',
    service: sessions,
    routes: (scope) => sessionsRoutes(scope, { sessions, clock: ctx.clock }),
    jobs: [{ name: 'session-lifecycle', run: (now) => sessions.runLifecycle(now) }],
    events: SESSION_EVENTS,
    eraseUser: (tx, userId) => sessions.eraseUser(tx, userId),
  };
}
