import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { MAX_CONSUMED_BYTES } from './inbox.events.ts';
import type { InboxService } from './inbox.service.ts';

const Accepted = Type.Object({ status: Type.Union([Type.Literal('processed'), Type.Literal('duplicate')]), eventId: Type.String() });

const DeadLetters = Type.Object({
  items: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      transport: Type.String(),
      topic: Type.Union([Type.String(), Type.Null()]),
      partition: Type.Union([Type.Integer(), Type.Null()]),
      offset: Type.Union([Type.String(), Type.Null()]),
      reason: Type.String(),
      value: Type.String(),
      receivedAt: Type.String({ format: 'date-time' }),
    }),
  ),
});

/** SHA-256 of both sides, then `timingSafeEqual`: no early exit on the first differing byte, whatever the lengths. */
function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

/**
 * `POST /api/internal/events` (DESIGN 4.8): platform services send `user.deleted` over HTTP, as a
 * structured CloudEvent (`application/cloudevents+json` or `application/json`) or in binary mode
 * (`ce-*` headers, the body is `data`), with `Authorization: Bearer <INTERNAL_EVENTS_TOKEN>`
 * compared in constant time. 200 processed or duplicate (idempotent by event id), 400 parked
 * (malformed or unknown: kept in the dead letters), 401 bad token. Without the setting the route
 * does not exist. The body is read as text here (64 KiB at most) so a malformed one is parked as sent.
 */
export async function internalEventsRoutes(app: FastifyInstance, deps: { inbox: InboxService; token: string | null }): Promise<void> {
  const token = deps.token;
  if (token === null) return;
  await app.register(async (scope) => {
    scope.addContentTypeParser(['application/json', 'application/cloudevents+json'], { parseAs: 'string', bodyLimit: MAX_CONSUMED_BYTES }, (_request, body, done) => done(null, body));
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      '/api/internal/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Deliver a platform event (user.deleted) over HTTP; bearer INTERNAL_EVENTS_TOKEN',
          security: [{ bearerAuth: [] }],
          response: { 200: Accepted, ...errorResponses },
        },
      },
      async (request) => {
        const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
        if (!match || !sameToken(match[1], token)) throw new AppError('unauthenticated', 'INVALID_TOKEN', 'A valid service token is required');
        const outcome = await deps.inbox.accept({ value: typeof request.body === 'string' ? request.body : '', headers: ceHeaders(request) }, { transport: 'http' });
        if (outcome.status === 'parked') throw new AppError('validation', 'EVENT_REJECTED', `The event was not applied and is kept in the dead letters: ${outcome.reason}`);
        return outcome;
      },
    );
  });
}

/** `GET /api/admin/dead-letters`: consumed events that could not be applied (admin). */
export async function deadLetterRoutes(app: FastifyInstance, deps: { inbox: InboxService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/admin/dead-letters',
    {
      schema: {
        tags: ['events'],
        summary: 'Consumed events that could not be applied, newest first (admin)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
        response: { 200: DeadLetters, ...errorResponses },
      },
    },
    async (request) => deps.inbox.listDeadLetters(currentUser(request), request.query.limit ?? 100),
  );
}

/** The `ce-*` headers of a binary-mode CloudEvent (HTTP binding). */
function ceHeaders(request: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) if (name.startsWith('ce-') && typeof value === 'string') out.set(name, value);
  return out;
}
