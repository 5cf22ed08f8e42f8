import type { FastifyInstance } from 'fastify';
import { AppError } from '../../shared/errors.ts';
import type { MetricsService } from './metrics.service.ts';

/**
 * `GET /metrics` on the public port (issue 14). Served (`exposed`) only with `METRICS_TOKEN` set
 * and no `METRICS_PORT`: Prometheus text format, behind `Authorization: Bearer <METRICS_TOKEN>`
 * (401 with `WWW-Authenticate` otherwise). Not served: 404 `ROUTE_NOT_FOUND` (rather than the web
 * client's page, which a scraper would take for an answer). Hidden from the OpenAPI document.
 */
export async function metricsRoutes(app: FastifyInstance, deps: { metrics: MetricsService; exposed: boolean }): Promise<void> {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!deps.exposed) throw new AppError('not_found', 'ROUTE_NOT_FOUND', 'Metrics are not served on this port (set METRICS_TOKEN, or scrape METRICS_PORT)');
    const authorization = request.headers.authorization;
    if (!deps.metrics.authorized(authorization)) {
      throw new AppError('unauthenticated', authorization === undefined ? 'AUTH_REQUIRED' : 'INVALID_TOKEN', 'A valid metrics token is required');
    }
    return reply.type(deps.metrics.contentType).header('cache-control', 'no-store').send(await deps.metrics.scrape());
  });
}
