import type { FastifyError, FastifyInstance } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/errors.ts';
import { AppError, HTTP_STATUS_BY_KIND } from '../shared/errors.ts';

/**
 * Installs the error body of DESIGN 4.2 for every failure:
 * `{ "error": { "code", "message", "requestId", "details"? } }`.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    const requestId = request.id;
    if (err instanceof AppError) {
      const status = HTTP_STATUS_BY_KIND[err.kind];
      if (typeof err.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(err.details.retryAfterSeconds));
      // RFC 6750 §3: a bearer challenge; `invalid_token` when a token was sent and refused.
      if (err.kind === 'unauthenticated') reply.header('www-authenticate', err.code === 'AUTH_REQUIRED' ? 'Bearer realm="conversation-service"' : 'Bearer realm="conversation-service", error="invalid_token"');
      return reply.status(status).send({ error: { code: err.code, message: err.message, requestId, details: err.details } });
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err: { message: (err as Error).message } }, 'database unavailable');
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return reply.status(503).send({ error: { code: 'DATABASE_UNAVAILABLE', message: 'The database cannot be reached; retry shortly', requestId } });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({
        error: {
          code: 'VALIDATION_ERROR',
          message: `Invalid ${fe.validationContext ?? 'request'}: ${fe.message}`,
          requestId,
          details: { issues: fe.validation.map((v) => ({ path: v.instancePath, message: v.message })) },
        },
      });
    }
    const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status === 429) {
      return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: 'Too many requests, retry later', requestId } });
    }
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(status).send({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error', requestId } });
    }
    const code = fe.code && /^[A-Z0-9_]+$/.test(fe.code) ? fe.code.replace(/^FST_(ERR_)?/, '') : 'BAD_REQUEST';
    return reply.status(status).send({ error: { code, message: fe.message, requestId } });
  });

}
