import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import { cloudEventSchema } from './cloud-event.ts';
import type { Clock } from '../../shared/clock.ts';
import { CURSOR, type OutboxService } from './outbox.service.ts';

const CloudEventSchema = Type.Intersect([cloudEventSchema(Type.Unknown()), Type.Object({ cursor: Type.String() })]);

const ParkedKeys = Type.Object({
  items: Type.Array(
    Type.Object({
      sink: Type.String(),
      key: Type.String(),
      parkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      eventId: Type.Union([Type.String(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      failures: Type.Integer(),
    }),
  ),
});

/**
 * `GET /api/admin/events` (the outbox, DESIGN 4.4) and the relay's parked keys, for admins
 * (`GET /api/admin/outbox/parked`, `POST /api/admin/outbox/parked/retry {sink, key}`).
 */
export async function outboxRoutes(app: FastifyInstance, deps: { outbox: OutboxService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/admin/outbox/parked',
    { schema: { tags: ['events'], summary: 'Keys the relay stopped on an event a sink refuses (admin)', response: { 200: ParkedKeys, ...errorResponses } } },
    async (request) => deps.outbox.listParked(currentUser(request)),
  );
  r.post(
    '/api/admin/outbox/parked/retry',
    {
      schema: {
        tags: ['events'],
        summary: 'Deliver a parked key again, once its cause is fixed (admin)',
        body: Type.Object({ sink: Type.String({ minLength: 1, maxLength: 100 }), key: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deps.outbox.retryParked(currentUser(request), request.body.sink, request.body.key, deps.clock.now());
      return reply.status(204).send(null);
    },
  );
  r.get(
    '/api/admin/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Outbox events (CloudEvents 1.0) after a cursor, oldest first (admin)',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ pattern: CURSOR.source, description: 'nextCursor of the previous page' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(CloudEventSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (request) => deps.outbox.list(currentUser(request), request.query.after, request.query.limit ?? 100),
  );
}

/** `GET /api/asyncapi.json` (public, like the OpenAPI document): the events this service publishes and consumes. */
export async function asyncApiRoutes(app: FastifyInstance, deps: { document: () => Record<string, unknown> }): Promise<void> {
  app.get('/api/asyncapi.json', { schema: { hide: true } }, async () => deps.document());
}
