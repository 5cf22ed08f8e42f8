import type { ModuleContext, ServiceModule } from '../module.ts';
import { outboxRoutes } from './outbox.routes.ts';
import { OutboxService } from './outbox.service.ts';

/** The transactional outbox (DESIGN 3, 4.4): other modules record events in it; admins read it. */
export function createOutboxModule(ctx: ModuleContext): ServiceModule<OutboxService> {
  const outbox = new OutboxService(ctx.db);
  return { name: 'outbox', service: outbox, routes: (scope) => outboxRoutes(scope, { outbox }) };
}
