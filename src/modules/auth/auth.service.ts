import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../../shared/errors.ts';

/** The caller, read from the platform JWT's claims (DESIGN 4.1). */
export interface AuthUser {
  /** `sub`: opaque id of up to 128 characters (DESIGN 4.6). */
  id: string;
  /** `name`: display name. */
  name: string;
  /** `roles`: `admin` manages slots, `instructor` runs live courses. */
  roles: string[];
  /** `tier`: `free` (default) or `premium`. */
  tier: 'free' | 'premium';
  /** `levels`: language code → CEFR level. */
  levels: Record<string, string>;
  email: string | null;
}

/** Settings of the token verifier. */
export interface AuthSettings {
  /** HS256 secret; `null` enables development mode (a secret generated in `dataDir`). */
  jwtSecret: string | null;
  issuer: string | null;
  audience: string | null;
  /** Where development mode keeps its generated secret; `null` keeps it in memory. */
  dataDir: string | null;
  production: boolean;
}

const ALGORITHM = 'HS256';

/**
 * Verifies platform JWTs with `jose` (HS256 only; the algorithm is pinned so `none` or RS/HS
 * confusion is refused) and, in development mode, mints tokens for a chosen name.
 * The seam for RS256 via `AUTH_JWKS_URL` is `verify`: a JWKS key set would replace the secret.
 */
export class AuthService {
  private readonly key: Uint8Array;
  /** True when no JWT_SECRET was configured and the service generated its own. */
  readonly devMode: boolean;

  private constructor(key: Uint8Array, devMode: boolean, private readonly settings: AuthSettings) {
    this.key = key;
    this.devMode = devMode;
  }

  /**
   * Builds the verifier. Without a secret, generates one (kept in `dataDir/dev-jwt-secret`).
   * @throws Error when no secret is set in production.
   */
  static create(settings: AuthSettings): AuthService {
    if (settings.jwtSecret) return new AuthService(new TextEncoder().encode(settings.jwtSecret), false, settings);
    if (settings.production) throw new Error('JWT_SECRET is required in production; development sign-in is disabled there');
    let secret: string;
    if (settings.dataDir) {
      const file = path.join(settings.dataDir, 'dev-jwt-secret');
      fs.mkdirSync(settings.dataDir, { recursive: true });
      if (fs.existsSync(file)) secret = fs.readFileSync(file, 'utf8').trim();
      else {
        secret = crypto.randomBytes(32).toString('base64url');
        fs.writeFileSync(file, secret, { mode: 0o600 });
      }
    } else {
      secret = crypto.randomBytes(32).toString('base64url');
    }
    return new AuthService(new TextEncoder().encode(secret), true, settings);
  }

  /**
   * Verifies a bearer token and reads its claims.
   * @throws AppError `unauthenticated` / `INVALID_TOKEN` or `TOKEN_EXPIRED`.
   */
  async verify(token: string): Promise<AuthUser> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer ?? undefined,
        audience: this.settings.audience ?? undefined,
      });
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) {
        throw new AppError('unauthenticated', 'INVALID_TOKEN', 'Token has no valid subject');
      }
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      const levels: Record<string, string> = {};
      if (payload.levels && typeof payload.levels === 'object') {
        for (const [lang, level] of Object.entries(payload.levels as Record<string, unknown>)) {
          if (typeof level === 'string') levels[lang] = level;
        }
      }
      const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 100) : sub;
      return {
        id: sub,
        name,
        roles,
        tier: payload.tier === 'premium' ? 'premium' : 'free',
        levels,
        email: typeof payload.email === 'string' ? payload.email : null,
      };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new AppError('unauthenticated', 'TOKEN_EXPIRED', 'Token has expired');
      throw new AppError('unauthenticated', 'INVALID_TOKEN', 'Token is invalid');
    }
  }

  /**
   * Signs a token with the configured secret. Used by development sign-in and by tests.
   * @param expiresInS lifetime in seconds (default 12 h).
   */
  async sign(
    claims: { sub: string; name: string; roles?: string[]; tier?: 'free' | 'premium'; levels?: Record<string, string> },
    expiresInS = 12 * 3600,
  ): Promise<string> {
    let jwt = new SignJWT({ name: claims.name, roles: claims.roles ?? [], tier: claims.tier ?? 'free', levels: claims.levels ?? {} })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(`${expiresInS}s`);
    if (this.settings.issuer) jwt = jwt.setIssuer(this.settings.issuer);
    if (this.settings.audience) jwt = jwt.setAudience(this.settings.audience);
    return jwt.sign(this.key);
  }

  /**
   * Development sign-in (DESIGN 4.1): a token for a chosen display name. The user id is derived
   * from the name so that the same name is the same user across sign-ins.
   * @throws AppError `forbidden` / `DEV_SIGN_IN_DISABLED` when a real secret is configured.
   */
  async devSignIn(name: string, admin: boolean): Promise<{ token: string; user: AuthUser }> {
    if (!this.devMode) throw new AppError('forbidden', 'DEV_SIGN_IN_DISABLED', 'Development sign-in is only available without JWT_SECRET');
    const clean = name.trim();
    const sub = `dev-${clean.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'user'}`;
    const roles = admin ? ['admin'] : [];
    const token = await this.sign({ sub, name: clean, roles });
    return { token, user: { id: sub, name: clean, roles, tier: 'free', levels: {}, email: null } };
  }
}

/** True when the user holds the `admin` role. */
export function isAdmin(user: AuthUser): boolean {
  return user.roles.includes('admin');
}
