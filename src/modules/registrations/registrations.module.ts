import type { IdempotencyService } from '../idempotency/idempotency.service.ts';
import type { ModuleContext, ServiceModule } from '../module.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { SlotsService } from '../slots/slots.service.ts';
import { REGISTRATION_EVENTS } from './registrations.events.ts';
import { registrationsRoutes } from './registrations.routes.ts';
import { RegistrationsService } from './registrations.service.ts';

/** Registrations to time slots (seed 000 §3.1, §5.1), their notifications and the reminder sweep. */
export function createRegistrationsModule(ctx: ModuleContext, deps: { slots: SlotsService; outbox: OutboxService; idempotency: IdempotencyService }): ServiceModule<RegistrationsService> {
  const registrations = new RegistrationsService(ctx.db, ctx.config.rules, deps.slots, deps.outbox);
  let unsubscribe: (() => void) | null = null;
  return {
    name: 'registrations',
    service: registrations,
    routes: (scope) => registrationsRoutes(scope, { registrations, clock: ctx.clock, idempotency: deps.idempotency }),
    // Phase 1: after matchmaking, so a registration matched in this round is reminded in it.
    jobs: [{ name: 'registration-reminders', run: (now) => registrations.sendReminders(now), phase: 1 }],
    events: REGISTRATION_EVENTS,
    // A deactivated slot's registrations are cancelled in the deactivation's transaction (seed 000 §4.1).
    start: async () => {
      unsubscribe = deps.slots.onDeactivation((tx, slots, now) => registrations.cancelForDeactivatedSlots(tx, slots, now).then(() => undefined));
    },
    stop: async () => {
      unsubscribe?.();
      unsubscribe = null;
    },
    eraseUser: async (tx, userId) => void (await registrations.eraseUser(tx, userId)),
  };
}
