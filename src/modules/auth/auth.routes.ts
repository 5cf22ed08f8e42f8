import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { ErrorBody, errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import type { AuthService } from './auth.service.ts';

const UserSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  tier: Type.Union([Type.Literal('free'), Type.Literal('premium')]),
  levels: Type.Record(Type.String(), Type.String()),
  email: Type.Union([Type.String(), Type.Null()]),
});

/** Public auth routes: how to sign in, and development sign-in (DESIGN 4.1). */
export async function publicAuthRoutes(app: FastifyInstance, deps: { auth: AuthService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/auth/config',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whether development sign-in is available, and the server time (clients count down on it)',
        response: { 200: Type.Object({ devMode: Type.Boolean(), serverTime: Type.String({ format: 'date-time' }) }) },
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
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 60, pattern: '\\S' }), admin: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ token: Type.String(), user: UserSchema }), 400: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => deps.auth.devSignIn(request.body.name, request.body.admin ?? false),
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
