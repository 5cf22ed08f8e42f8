import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../../shared/clock.ts';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { SlotsService } from './slots.service.ts';
import { AdminListSlotsQuery, AdminSlotPage, CreateSlotBody, ListSlotsQuery, PatchSlotBody, SlotPage, SlotParams, SlotSchema } from './slots.schemas.ts';

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
        summary: 'Edit a slot while its registration is open, or (de)activate it; with scope "series", its series from this slot on (admin)',
        params: SlotParams,
        body: PatchSlotBody,
        response: { 200: SlotSchema, ...errorResponses },
      },
    },
    async (request) => deps.slots.updateSlot(currentUser(request), request.params.id, request.body, deps.clock.now()),
  );
  r.get(
    '/api/admin/slots',
    {
      schema: {
        tags: ['slots'],
        summary: 'Upcoming slots, active and inactive, with registrations, capacity and series (admin)',
        querystring: AdminListSlotsQuery,
        response: { 200: AdminSlotPage, ...errorResponses },
      },
    },
    async (request) => deps.slots.listForAdmin(currentUser(request), request.query, deps.clock.now()),
  );
}
