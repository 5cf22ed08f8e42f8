import type { ModuleContext, ServiceModule } from '../module.ts';
import type { SlotsService } from '../slots/slots.service.ts';
import { registrationsRoutes } from './registrations.routes.ts';
import { RegistrationsService } from './registrations.service.ts';

/** Registrations to time slots (seed 000 §3.1, §5.1). */
export function createRegistrationsModule(ctx: ModuleContext, deps: { slots: SlotsService }): ServiceModule<RegistrationsService> {
  const registrations = new RegistrationsService(ctx.db, ctx.config.rules, deps.slots);
  return { name: 'registrations', service: registrations, routes: (scope) => registrationsRoutes(scope, { registrations, clock: ctx.clock }) };
}
