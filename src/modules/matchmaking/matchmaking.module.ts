import type { ModuleContext, ServiceModule } from '../module.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { SlotsService } from '../slots/slots.service.ts';
import { MatchmakingService } from './matchmaking.service.ts';

/** Matchmaking (seed 000 §5.2): forms sessions when a slot's registration closes. */
export function createMatchmakingModule(
  ctx: ModuleContext,
  deps: { slots: SlotsService; registrations: RegistrationsService; sessions: SessionsService },
): ServiceModule<MatchmakingService> {
  const matchmaking = new MatchmakingService(ctx.db, deps.slots, deps.registrations, deps.sessions);
  return { name: 'matchmaking', service: matchmaking, jobs: [{ name: 'matchmaking', run: (now) => matchmaking.run(now) }] };
}
