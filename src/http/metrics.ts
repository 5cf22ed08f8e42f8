import type { FastifyInstance } from 'fastify';
import type { HttpMetrics } from '../shared/metrics.ts';

/**
 * Feeds the metrics from the HTTP layer (issue 14): every answered request's duration by route
 * template (`request.routeOptions.url`, e.g. `/api/slots/:id`, never the raw URL; `unmatched` for
 * 404s), method and status class; and the open WebSocket count from the server `@fastify/websocket`
 * decorates the app with (read at scrape time). Call it on the root instance, before the routes.
 */
export function installRequestMetrics(app: FastifyInstance, metrics: HttpMetrics & { countOpenSocketsWith(source: () => number): void }): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestServed(request.routeOptions.url ?? null, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  metrics.countOpenSocketsWith(() => app.websocketServer?.clients.size ?? 0);
}
