import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { AppConfig } from './config.ts';
import type { Services } from './container.ts';
import type { DatabaseHandle } from './db/client.ts';
import { authenticate } from './http/auth.ts';
import { installErrorHandling } from './http/errors.ts';
import { installRequestMetrics } from './http/metrics.ts';
import { installSecurityHeaders } from './http/security.ts';
import type { Clock } from './shared/clock.ts';
import type { Logger } from './shared/logger.ts';

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/web');

/** Largest accepted WebSocket message (DESIGN 4.3: 1009 beyond it). */
export const MAX_WS_MESSAGE_BYTES = 64 * 1024;

/** What the app is built from; tests build the same app with their own clock and database. */
export interface AppDeps {
  config: AppConfig;
  services: Services;
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  /** Set by the process on SIGTERM (`main.ts`): `/readyz` turns red and new requests are turned away. */
  lifecycle?: Lifecycle;
}

/** The process's state as the HTTP layer sees it. */
export interface Lifecycle {
  draining: boolean;
}

/**
 * Builds the Fastify app: REST API under `/api`, OpenAPI at `/api/openapi.json`, docs at `/docs`,
 * health probes, the web client at `/`, and every module's routes (public, authenticated, root).
 * Does not listen, and starts no module (`startModules`).
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, services } = deps;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: () => crypto.randomUUID(),
    // Limits set on purpose (issue 13, README "Reliability"): a slow client cannot hold a socket.
    bodyLimit: config.server.bodyLimitBytes,
    requestTimeout: config.server.requestTimeoutMs,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.server.headersTimeoutMs,
      // Node checks the two timeouts every this often (30 s by default, longer than the timeouts).
      connectionsCheckingInterval: Math.max(250, Math.min(1_000, Math.floor(config.server.headersTimeoutMs / 4))),
    },
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  installErrorHandling(app);
  installRequestMetrics(app, services.metrics);
  installSecurityHeaders(app, { storage: storageOrigins(config), jitsi: [new URL(config.jitsi.url).origin] });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'conversation-service', version: '0.1.0', description: 'Time slots, matchmaking, sessions and WebRTC signaling for live conversation practice' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearerAuth: [] }],
    },
  });
  // The docs page needs inline script and style: it sends its own CSP (helmet's applies everywhere else).
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_WS_MESSAGE_BYTES, perMessageDeflate: false } });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  const lifecycle = deps.lifecycle ?? { draining: false };
  // While draining (SIGTERM): requests already in flight finish; new ones are turned away with
  // 503, so a load balancer retries them on another instance (issue 13, graceful stop).
  app.addHook('onRequest', async (request, reply) => {
    if (!lifecycle.draining || request.url === '/healthz' || request.url === '/readyz') return;
    reply.header('connection', 'close').header('retry-after', '1');
    return reply.status(503).send({ error: { code: 'SHUTTING_DOWN', message: 'This instance is stopping; retry', requestId: request.id } });
  });
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    if (lifecycle.draining) return reply.status(503).send({ status: 'draining', database: deps.database.kind });
    const details: Record<string, unknown> = {};
    for (const m of services.modules) if (m.readiness) details[m.name] = await m.readiness().catch(() => ({ status: 'unknown' }));
    try {
      await deps.database.ping();
      return { status: 'ready', database: deps.database.kind, ...details };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: deps.database.kind, ...details });
    }
  });

  // Unauthenticated API routes, limited per address.
  await app.register(async (scope) => {
    await scope.register(fastifyRateLimit, { max: Math.max(30, Math.floor(config.server.rateLimitPerMinute / 10)), timeWindow: 60_000 });
    for (const m of services.modules) await m.publicRoutes?.(scope);
  });

  // Authenticated API routes, limited per user.
  await app.register(async (scope) => {
    scope.decorateRequest('user', null);
    scope.addHook('onRequest', authenticate(services.auth));
    await scope.register(fastifyRateLimit, {
      hook: 'preHandler',
      max: config.server.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => (request.user ? `user:${request.user.id}` : `ip:${request.ip}`),
    });
    for (const m of services.modules) await m.routes?.(scope);
  });

  // Routes that authenticate themselves (the signaling upgrade).
  await app.register(async (scope) => {
    for (const m of services.modules) await m.rootRoutes?.(scope);
  });

  await registerWebClient(app);
  return app;
}

/** Serves the built web client (`npm run build:web`) with a single-page-app fallback. */
async function registerWebClient(app: FastifyInstance): Promise<void> {
  const hasBuild = fs.existsSync(path.join(WEB_ROOT, 'index.html'));
  if (hasBuild) {
    await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const pathOnly = request.url.split('?')[0];
    const isApi = pathOnly.startsWith('/api/') || pathOnly.startsWith('/ws/') || pathOnly === '/api';
    if (request.method === 'GET' && !isApi) {
      if (hasBuild) return reply.sendFile('index.html');
      return reply
        .status(503)
        .type('text/plain')
        .send('The web client is not built. Run `npm run build:web` (npm start does it for you).');
    }
    return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${pathOnly}`, requestId: request.id } });
  });
}

/**
 * Where the browser PUTs recording chunks and plays recordings from, when they live in a bucket:
 * the S3 endpoint's origin, and its virtual-hosted form (`https://<bucket>.<host>`); AWS without an
 * endpoint: its regional hosts. The embedded store is the service's own origin.
 */
function storageOrigins(config: AppConfig): string[] {
  const { s3Bucket, s3Endpoint, s3Region } = config.storage;
  if (s3Bucket === null) return [];
  if (s3Endpoint === null) return [`https://${s3Bucket}.s3.${s3Region}.amazonaws.com`, `https://s3.${s3Region}.amazonaws.com`];
  const endpoint = new URL(s3Endpoint);
  return [endpoint.origin, `${endpoint.protocol}//${s3Bucket}.${endpoint.host}`];
}

