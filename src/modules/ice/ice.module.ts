import type { ModuleContext, ServiceModule } from '../module.ts';
import { iceRoutes } from './ice.routes.ts';
import { IceService } from './ice.service.ts';

/** ICE servers (DESIGN 3, TURN port): STUN, and time-limited TURN REST credentials. */
export function createIceModule(ctx: ModuleContext): ServiceModule<IceService> {
  const ice = new IceService(ctx.config.turn);
  return { name: 'ice', service: ice, routes: (scope) => iceRoutes(scope, { ice, clock: ctx.clock }) };
}
