import type { ModuleContext, ServiceModule } from '../module.ts';
import { IdempotencyService } from './idempotency.service.ts';

/**
 * `Idempotency-Key` on creating POSTs (issue 13): the service (other modules' routes wrap it in the
 * hooks of `src/http/idempotency.ts`), the prune job (keys live `IDEMPOTENCY_KEY_TTL`, 24 h) and the user's share of an erasure.
 */
export function createIdempotencyModule(ctx: ModuleContext): ServiceModule<IdempotencyService> {
  const idempotency = new IdempotencyService(ctx.db, ctx.clock, ctx.config.idempotency);
  return {
    name: 'idempotency',
    service: idempotency,
    jobs: [{ name: 'idempotency-prune', run: (now) => idempotency.prune(now) }],
    eraseUser: (tx, userId) => idempotency.eraseUser(tx, userId),
  };
}
