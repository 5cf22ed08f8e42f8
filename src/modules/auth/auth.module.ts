import type { ModuleContext, ServiceModule } from '../module.ts';
import { authRoutes, publicAuthRoutes } from './auth.routes.ts';
import { AuthService } from './auth.service.ts';

/**
 * Authentication (DESIGN 4.1): verifies the platform's JWTs; development sign-in without a secret.
 * @throws Error when development auth is refused (production without JWT_SECRET nor AUTH_JWKS_URL).
 */
export function createAuthModule(ctx: ModuleContext): ServiceModule<AuthService> {
  const { config, clock } = ctx;
  const auth = AuthService.create({
    jwtSecret: config.auth.jwtSecret,
    jwksUrl: config.auth.jwksUrl,
    issuer: config.auth.jwtIssuer,
    audience: config.auth.jwtAudience,
    dataDir: config.server.dataDir,
    production: config.server.nodeEnv === 'production',
    clockToleranceS: Math.round(config.auth.clockToleranceMs / 1000),
  });
  return {
    name: 'auth',
    service: auth,
    publicRoutes: (scope) => publicAuthRoutes(scope, { auth, clock }),
    routes: (scope) => authRoutes(scope),
  };
}
