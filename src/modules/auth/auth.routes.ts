import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../http/auth.ts';
import { ErrorBody, errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import { AuthConfig, DevToken, DevTokenBody, UserSchema } from './auth.schemas.ts';
import type { AuthService } from './auth.service.ts';

/** Public auth routes: how to sign in, and development sign-in (DESIGN 4.1). */
export async function publicAuthRoutes(app: FastifyInstance, deps: { auth: AuthService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/auth/config',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whether development sign-in is available, and the server time (clients count down on it)',
        response: { 200: AuthConfig },
      },
    },
    async () => ({ devMode: deps.auth.devMode, serverTime: deps.clock.now().toISOString() }),
  );
  r.post(
    '/api/dev/token',
    {
      schema: {
        tags: ['auth'],
        summary: 'Development mode only: a token for a chosen display name',
        body: DevTokenBody,
        response: { 200: DevToken, 400: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => deps.auth.devSignIn(request.body.name, request.body.admin ?? false, request.body.instructor ?? false),
  );
}

/** Authenticated auth routes. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/me',
    { schema: { tags: ['auth'], summary: 'The caller, as read from the token', response: { 200: UserSchema, ...errorResponses } } },
    async (request) => currentUser(request),
  );
}
