import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { OutboxService } from './outbox.service.ts';

const CloudEventSchema = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String(),
  source: Type.String(),
  type: Type.String(),
  time: Type.String({ format: 'date-time' }),
  subject: Type.Union([Type.String(), Type.Null()]),
  datacontenttype: Type.String(),
  data: Type.Any(),
  cursor: Type.String(),
});

/** `GET /api/admin/events`: the outbox, for admins (DESIGN 4.4). */
export async function outboxRoutes(app: FastifyInstance, deps: { outbox: OutboxService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/admin/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Outbox events (CloudEvents 1.0) after a cursor, oldest first (admin)',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ pattern: '^([0-9]{1,20}:)?[0-9]{1,18}$', description: 'nextCursor of the previous page' })),
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
