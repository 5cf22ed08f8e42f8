import type { ModuleContext, ServiceModule } from '../module.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import { MetricsListener } from './metrics-listener.ts';
import { metricsRoutes } from './metrics.routes.ts';
import { MetricsService } from './metrics.service.ts';

/**
 * Prometheus metrics (issue 14): the per-app registry other modules record into (through the
 * `Metrics` ports of `src/shared/metrics.ts`) and `GET /metrics`, exposed as configured:
 * - `METRICS_PORT` set: on a listener of its own (`METRICS_HOST`, default 127.0.0.1), with the
 *   bearer token when `METRICS_TOKEN` is set too; not on the public port;
 * - only `METRICS_TOKEN` set: on the public port, behind the token;
 * - neither: not served, 404 (the instruments still record; nothing reads them).
 */
export function createMetricsModule(ctx: ModuleContext, deps: { outbox: OutboxService }): ServiceModule<MetricsService> & { listener: MetricsListener | null } {
  const settings = ctx.config.metrics;
  const logger = ctx.logger.child({ module: 'metrics' });
  const pool = ctx.database.pool?.bind(ctx.database);
  const metrics = new MetricsService(
    {
      clock: ctx.clock,
      outboxBacklog: (now) => deps.outbox.backlog(now),
      ...(pool ? { pool } : {}),
      onSourceError: (what, err) => logger.warn({ err, what }, 'metrics: a scrape-time read failed'),
    },
    settings.token,
  );
  const listener = settings.port !== null ? new MetricsListener(metrics, { port: settings.port, host: settings.host }, logger) : null;
  return {
    name: 'metrics',
    service: metrics,
    listener,
    rootRoutes: (scope) => metricsRoutes(scope, { metrics, exposed: listener === null && settings.token !== null }),
    ...(listener ? { start: () => listener.start(), stop: () => listener.stop() } : {}),
  };
}
