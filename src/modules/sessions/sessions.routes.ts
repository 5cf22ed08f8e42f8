import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import type { SessionsService } from './sessions.service.ts';
import { SessionIdParams, SessionSchema } from './sessions.schemas.ts';

/** Session routes (seed 000 §5.3, seed 002, DESIGN 4.6). */
export async function sessionsRoutes(app: FastifyInstance, deps: { sessions: SessionsService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/sessions/current',
    {
      schema: {
        tags: ['sessions'],
        summary: 'My session that is active, or waiting with its join window open (404 NO_CURRENT_SESSION otherwise)',
        response: { 200: SessionSchema, ...errorResponses },
      },
    },
    async (request) => deps.sessions.getCurrent(currentUser(request), deps.clock.now()),
  );
  r.post(
    '/api/sessions/:id/leave',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Leave a session on purpose: the others are told at once (a dropped connection waits for the reconnect window)',
        params: SessionIdParams,
        response: { 200: SessionSchema, ...errorResponses },
      },
    },
    async (request) => deps.sessions.leave(currentUser(request), request.params.id, deps.clock.now()),
  );
  r.get(
    '/api/sessions/:id',
    { schema: { tags: ['sessions'], summary: 'A session I am a member of', params: SessionIdParams, response: { 200: SessionSchema, ...errorResponses } } },
    async (request) => deps.sessions.getSession(currentUser(request), request.params.id),
  );
}
