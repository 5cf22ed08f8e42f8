import type { ModuleContext, ServiceModule } from '../module.ts';
import { CONSUMED_EVENTS } from './inbox.events.ts';
import { deadLetterRoutes, internalEventsRoutes } from './inbox.routes.ts';
import { InboxService, type Eraser } from './inbox.service.ts';
import { UserEventsConsumer } from './user-events-consumer.ts';

/**
 * Events consumed from the platform (DESIGN 4.4, 4.8; seed 000 §6.3): `user.deleted` from Kafka
 * (`KAFKA_BROKERS`) and over HTTP (`INTERNAL_EVENTS_TOKEN`), applied once by event id; the
 * erasure runs every module's `eraseUser` in one transaction.
 * @param erasers every module with an `eraseUser` hook (known once the registry is built).
 */
export function createInboxModule(ctx: ModuleContext, deps: { erasers: () => readonly Eraser[] }): ServiceModule<InboxService> & { consumer: UserEventsConsumer | null } {
  const settings = ctx.config.events;
  const logger = ctx.logger.child({ module: 'inbox' });
  const inbox = new InboxService(ctx.db, deps.erasers, ctx.clock, logger);
  const consumer = settings.kafkaBrokers.length > 0 ? new UserEventsConsumer(settings, inbox, logger) : null;
  return {
    name: 'inbox',
    service: inbox,
    consumer,
    publicRoutes: (scope) => internalEventsRoutes(scope, { inbox, token: settings.internalToken }),
    routes: (scope) => deadLetterRoutes(scope, { inbox }),
    consumes: CONSUMED_EVENTS,
    eraseUser: (tx, userId) => inbox.eraseUser(tx, userId),
    ...(consumer ? { readiness: async () => ({ consumer: consumer.status() }) } : {}),
    ...(consumer ? { start: () => consumer.start(), stop: () => consumer.stop() } : {}),
  };
}
