import type { FastifyInstance } from 'fastify';
import { AppError } from '../../shared/errors.ts';
import type { MetricsService } from './metrics.service.ts';

/**
 * `GET /metrics` on the public port (issue 14), registered only with `METRICS_TOKEN` set and no
 * `METRICS_PORT`: Prometheus text format, behind `Authorization: Bearer <METRICS_TOKEN>` (401 with
 * `WWW-Authenticate` otherwise). Hidden from the OpenAPI document: it is for operators' scrapers.
 */
export async function metricsRoutes(app: FastifyInstance, deps: { metrics: MetricsService }): Promise<void> {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const authorization = request.headers.authorization;
    if (!deps.metrics.authorized(authorization)) {
      throw new AppError('unauthenticated', authorization === undefined ? 'AUTH_REQUIRED' : 'INVALID_TOKEN', 'A valid metrics token is required');
    }
    return reply.type(deps.metrics.contentType).header('cache-control', 'no-store').send(await deps.metrics.scrape());
  });
}
