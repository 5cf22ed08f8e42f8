import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import { IdempotencyKeyHeaders, idempotencyHooks, idempotencyResponses } from '../../http/idempotency.ts';
import type { IdempotencyService } from '../idempotency/idempotency.service.ts';
import type { RegistrationsService } from './registrations.service.ts';
import { ListRegistrationsQuery, RegistrationIdParams, RegistrationPage, RegistrationSchema, SlotIdParams } from './registrations.schemas.ts';

/** Registration routes (seed 000 §3.1, DESIGN 4.6). */
export async function registrationsRoutes(app: FastifyInstance, deps: { registrations: RegistrationsService; clock: Clock; idempotency: IdempotencyService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const idempotent = idempotencyHooks(deps.idempotency, app.log);
  r.post(
    '/api/slots/:id/registrations',
    {
      schema: {
        tags: ['registrations'],
        summary: 'Register to a time slot (Idempotency-Key: a retry gets the first answer)',
        params: SlotIdParams,
        headers: IdempotencyKeyHeaders,
        response: { 201: RegistrationSchema, ...errorResponses, ...idempotencyResponses },
      },
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
    },
    async (request, reply) => {
      const registration = await deps.registrations.register(currentUser(request), request.params.id, deps.clock.now(), idempotent.answerInTransaction(request, reply, 201));
      return idempotent.send(request, reply, 201, registration);
    },
  );
  r.delete(
    '/api/registrations/:id',
    { schema: { tags: ['registrations'], summary: 'Cancel my registration', params: RegistrationIdParams, response: { 200: RegistrationSchema, ...errorResponses } } },
    async (request) => deps.registrations.cancel(currentUser(request), request.params.id, deps.clock.now()),
  );
  r.get(
    '/api/registrations',
    { schema: { tags: ['registrations'], summary: 'My registrations, newest first', querystring: ListRegistrationsQuery, response: { 200: RegistrationPage, ...errorResponses } } },
    async (request) => deps.registrations.listMine(currentUser(request), request.query),
  );
  r.get(
    '/api/registrations/:id',
    { schema: { tags: ['registrations'], summary: 'One of my registrations', params: RegistrationIdParams, response: { 200: RegistrationSchema, ...errorResponses } } },
    async (request) => deps.registrations.get(currentUser(request), request.params.id),
  );
}
