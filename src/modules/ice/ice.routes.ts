import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import { IceServersResponse } from './ice.schemas.ts';
import type { IceService } from './ice.service.ts';

/** `GET /api/ice-servers` (authenticated scope): STUN and time-limited TURN credentials for the caller. */
export async function iceRoutes(app: FastifyInstance, deps: { ice: IceService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/ice-servers',
    {
      schema: {
        tags: ['signaling'],
        summary: 'ICE servers for RTCPeerConnection: STUN, and TURN with credentials valid TURN_TTL (coturn use-auth-secret)',
        response: { 200: IceServersResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      // Credentials are per user and short-lived: never cached by browsers or proxies.
      reply.header('cache-control', 'no-store');
      return deps.ice.iceServers(currentUser(request).id, deps.clock.now());
    },
  );
}
