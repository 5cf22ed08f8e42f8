import type { FastifyRequest } from 'fastify';
import type { AuthService, AuthUser } from '../modules/auth/auth.service.ts';
import { AppError } from '../shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, set by `authenticate`. */
    user: AuthUser | null;
  }
}

/** Reads the bearer token of a request, or `null`. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

/** An `onRequest` hook that requires a valid bearer token and sets `request.user`. */
export function authenticate(auth: AuthService) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    if (!token) throw new AppError('unauthenticated', 'AUTH_REQUIRED', 'Send an Authorization: Bearer <token> header');
    request.user = await auth.verify(token);
  };
}

/**
 * The authenticated caller of a route protected by `authenticate`.
 * @throws AppError `unauthenticated` when the hook did not run.
 */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('unauthenticated', 'AUTH_REQUIRED', 'Authentication required');
  return request.user;
}
