import type { ModuleContext, ServiceModule } from '../module.ts';
import { slotsRoutes } from './slots.routes.ts';
import { SlotsService } from './slots.service.ts';

/** Time slots (seed 000 §2.1, §5.1): admin creation, listing, and recurring slots kept `RULES_SLOT_HORIZON` ahead. */
export function createSlotsModule(ctx: ModuleContext): ServiceModule<SlotsService> {
  const slots = new SlotsService(ctx.db, ctx.config.rules);
  return {
    name: 'slots',
    service: slots,
    routes: (scope) => slotsRoutes(scope, { slots, clock: ctx.clock }),
    jobs: [{ name: 'slot-generation', run: (now) => slots.generateRecurringSlots(now) }],
    eraseUser: (tx, userId) => slots.eraseUser(tx, userId),
  };
}
