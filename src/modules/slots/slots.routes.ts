import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../../shared/clock.ts';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { SlotsService } from './slots.service.ts';
import { CreateSlotBody, ListSlotsQuery, PatchSlotBody, SlotPage, SlotParams, SlotSchema } from './slots.schemas.ts';

/** `/api/slots` routes (seed 000 §2.1, §3.1; DESIGN 4.6). Thin: validation here, rules in SlotsService. */
export async function slotsRoutes(app: FastifyInstance, deps: { slots: SlotsService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/slots',
    { schema: { tags: ['slots'], summary: 'Create a time slot (admin)', body: CreateSlotBody, response: { 201: SlotSchema, ...errorResponses } } },
    async (request, reply) => {
      const slot = await deps.slots.createSlot(currentUser(request), request.body, deps.clock.now());
      return reply.status(201).send(slot);
    },
  );
  r.get(
    '/api/slots',
    { schema: { tags: ['slots'], summary: 'List active upcoming slots', querystring: ListSlotsQuery, response: { 200: SlotPage, ...errorResponses } } },
    async (request) => deps.slots.listSlots(currentUser(request), request.query, deps.clock.now()),
  );
  r.get(
    '/api/slots/:id',
    { schema: { tags: ['slots'], summary: 'One time slot', params: SlotParams, response: { 200: SlotSchema, ...errorResponses } } },
    async (request) => deps.slots.getSlot(currentUser(request), request.params.id, deps.clock.now()),
  );
  r.patch(
    '/api/slots/:id',
    {
      schema: {
        tags: ['slots'],
        summary: 'Activate or deactivate a slot, or its series from this slot on (admin)',
        params: SlotParams,
        body: PatchSlotBody,
        response: { 200: SlotSchema, ...errorResponses },
      },
    },
    async (request) =>
      deps.slots.setActive(currentUser(request), request.params.id, request.body.isActive, request.body.scope ?? 'slot', deps.clock.now()),
  );
}
