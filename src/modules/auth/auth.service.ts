import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createVerifier, TokenError } from 'fast-jwt';
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWSHeaderParameters, type FlattenedJWSInput, type JWTPayload } from 'jose';
import { AppError } from '../../shared/errors.ts';
import { VerifiedTokens } from './verified-tokens.ts';

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
  /** HS256 secret; `null` (and no `jwksUrl`) enables development mode (a secret generated in `dataDir`). */
  jwtSecret: string | null;
  /** The auth-service's JSON Web Key Set (`AUTH_JWKS_URL`): RS256 tokens are verified against it. */
  jwksUrl?: string | null;
  issuer: string | null;
  audience: string | null;
  /** Where development mode keeps its generated secret; `null` keeps it in memory. */
  dataDir: string | null;
  production: boolean;
  /** Leeway for `exp`, `nbf` and `iat` against the wall clock, in seconds (`AUTH_CLOCK_TOLERANCE`, at most 30). */
  clockToleranceS?: number;
}

/** Tokens longer than this are refused before any cryptography (DESIGN 4.1; a real one is under 2 KiB). */
export const MAX_TOKEN_BYTES = 8 * 1024;

const ALGORITHM = 'HS256';
/** Tokens of the auth-service's key set (DESIGN 2: "RS256 via the auth-service's JWKS"). */
const JWKS_ALGORITHM = 'RS256';
/**
 * Key-set fetching: give up on a fetch after 5 s, keep the set 10 min, and refetch for an unknown
 * `kid` (a rotated key) at most every 30 s, so that forged `kid`s cannot make us hammer the
 * auth-service.
 */
const JWKS_OPTIONS = { timeoutDuration: 5_000, cacheMaxAge: 600_000, cooldownDuration: 30_000 };

/** The key set could not be fetched: the token may be good, we cannot tell. */
class KeySetUnavailable extends Error {}

/**
 * Verifies platform JWTs: HS256 with the shared `JWT_SECRET` through `fast-jwt`, and/or RS256
 * against the auth-service's key set (`AUTH_JWKS_URL`, fetched and cached) through `jose`. The
 * accepted algorithms are pinned to what is configured, so `none` and RS/HS confusion are
 * refused; both apply the same claim rules (DESIGN 4.1). In development mode (neither
 * configured) it mints tokens for a chosen name (signed with `jose`).
 */
export class AuthService {
  /** The HS256 secret; null when only a key set is configured (this service then signs nothing). */
  private readonly key: Uint8Array | null;
  /** `key` imported once for HMAC SHA-256: given raw bytes, jose would import them on every call. */
  private hmacKey: Promise<CryptoKey> | null = null;
  private readonly keySet: ReturnType<typeof createRemoteJWKSet> | null;
  /**
   * HS256 verification by `fast-jwt`: node:crypto's HMAC, synchronous, about 5 µs a token where
   * WebCrypto through jose costs 25-55 µs of the event loop (issue 14, registrations at 100 clients).
   */
  private readonly hs256: ((token: string) => JWTPayload) | null;
  private readonly algorithms: string[];
  /** Tokens verified in the last minute, so that a client's next request skips the signature check (issue 14). */
  private readonly verified = new VerifiedTokens<AuthUser>();
  /** True when neither JWT_SECRET nor AUTH_JWKS_URL was configured and the service generated its own secret. */
  readonly devMode: boolean;

  private constructor(key: Uint8Array | null, devMode: boolean, private readonly settings: AuthSettings) {
    this.key = key;
    this.devMode = devMode;
    this.keySet = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl), JWKS_OPTIONS) : null;
    this.algorithms = [...(key ? [ALGORITHM] : []), ...(this.keySet ? [JWKS_ALGORITHM] : [])];
    const { issuer, audience } = settings;
    this.hs256 = key
      ? createVerifier({
          key: Buffer.from(key),
          algorithms: [ALGORITHM],
          allowedIss: issuer ?? undefined,
          allowedAud: audience ?? undefined,
          // A token that never expires is refused (DESIGN 4.1); a configured iss / aud must be present.
          requiredClaims: ['exp', ...(issuer ? ['iss'] : []), ...(audience ? ['aud'] : [])],
          clockTolerance: (settings.clockToleranceS ?? 10) * 1000,
          cache: false, // `verified` keeps what passed
        })
      : null;
  }

  /**
   * Builds the verifier. With neither a secret nor a key set, generates a secret (kept in
   * `dataDir/dev-jwt-secret`): development mode.
   * @throws Error when neither is set in production.
   */
  static create(settings: AuthSettings): AuthService {
    if (settings.jwtSecret || settings.jwksUrl) {
      return new AuthService(settings.jwtSecret ? new TextEncoder().encode(settings.jwtSecret) : null, false, settings);
    }
    if (settings.production) throw new Error('JWT_SECRET or AUTH_JWKS_URL is required in production; development sign-in is disabled there');
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
   * Verifies a bearer token and reads its claims. A token this instance verified in the last
   * minute is answered from `VerifiedTokens` (the same user, frozen; its `exp` checked again).
   * @throws AppError `unauthenticated` / `INVALID_TOKEN` or `TOKEN_EXPIRED`; `unavailable` /
   *   `AUTH_UNAVAILABLE` when an RS256 token arrives and the key set cannot be fetched.
   */
  async verify(token: string): Promise<AuthUser> {
    // Checked before any parsing or cryptography: an oversized token costs nothing.
    if (token.length > MAX_TOKEN_BYTES) throw new AppError('unauthenticated', 'INVALID_TOKEN', 'Token is too large');
    const nowMs = Date.now();
    const known = this.verified.get(token, nowMs);
    if (known) return known;
    const tolerance = this.settings.clockToleranceS ?? 10;
    try {
      const payload = await this.claimsOf(token, tolerance);
      // Neither library checks a future `iat` (jose only with maxTokenAge): a token issued in the
      // future is not valid yet. fast-jwt does not check its type either; jose does.
      if (payload.iat !== undefined && typeof payload.iat !== 'number') throw new AppError('unauthenticated', 'INVALID_TOKEN', 'Token has an invalid iat');
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + tolerance) {
        throw new AppError('unauthenticated', 'INVALID_TOKEN', 'Token is not valid yet');
      }
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
      const user: AuthUser = Object.freeze({
        id: sub,
        name,
        roles: Object.freeze(roles) as string[],
        tier: payload.tier === 'premium' ? 'premium' : 'free',
        levels: Object.freeze(levels),
        email: typeof payload.email === 'string' ? payload.email : null,
      });
      // `exp` is required above; jose accepted it with the tolerance, and so does the cache.
      this.verified.put(token, user, ((payload.exp as number) + tolerance) * 1000, nowMs);
      return user;
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof KeySetUnavailable) throw new AppError('unavailable', 'AUTH_UNAVAILABLE', 'The keys of the auth-service cannot be fetched; try again shortly');
      if (err instanceof joseErrors.JWTExpired || (err instanceof TokenError && err.code === TokenError.codes.expired)) {
        throw new AppError('unauthenticated', 'TOKEN_EXPIRED', 'Token has expired');
      }
      throw new AppError('unauthenticated', 'INVALID_TOKEN', 'Token is invalid');
    }
  }

  /**
   * The claims of a token whose signature, algorithm, `exp`, `nbf`, `iss` and `aud` passed
   * (`tolerance` in s): HS256 through `hs256`, RS256 through jose and the key set.
   * @throws jose's or fast-jwt's errors, `KeySetUnavailable`.
   */
  private async claimsOf(token: string, tolerance: number): Promise<JWTPayload> {
    if (this.hs256 && (!this.keySet || decodeProtectedHeader(token).alg === ALGORITHM)) return this.hs256(token);
    const { payload } = await jwtVerify(token, this.keyFor, {
      algorithms: this.algorithms,
      issuer: this.settings.issuer ?? undefined,
      audience: this.settings.audience ?? undefined,
      // A token that never expires is refused (DESIGN 4.1); `nbf` is honoured by jose when present.
      requiredClaims: ['exp'],
      clockTolerance: tolerance,
    });
    return payload;
  }

  /**
   * The key-set entry a token's `kid` names (jose has already refused algorithms outside
   * `this.algorithms`; HS256 tokens never come here). A key set that cannot be fetched is
   * reported apart from a bad token.
   */
  private readonly keyFor = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    try {
      return (await this.keySet!(header, token)) as CryptoKey;
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) throw err;
      throw new KeySetUnavailable('key set unavailable', { cause: err });
    }
  };

  /**
   * Signs a token with the configured secret. Used by development sign-in and by tests.
   * @param expiresInS lifetime in seconds (default 12 h).
   * @throws Error when only a key set is configured (the auth-service holds the private key).
   */
  async sign(
    claims: { sub: string; name: string; roles?: string[]; tier?: 'free' | 'premium'; levels?: Record<string, string>; email?: string },
    expiresInS = 12 * 3600,
  ): Promise<string> {
    const optional = claims.email ? { email: claims.email } : {};
    let jwt = new SignJWT({ name: claims.name, roles: claims.roles ?? [], tier: claims.tier ?? 'free', levels: claims.levels ?? {}, ...optional })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(`${expiresInS}s`);
    if (this.settings.issuer) jwt = jwt.setIssuer(this.settings.issuer);
    if (this.settings.audience) jwt = jwt.setAudience(this.settings.audience);
    return jwt.sign(await this.cryptoKey());
  }

  private cryptoKey(): Promise<CryptoKey> {
    if (!this.key) return Promise.reject(new Error('No JWT_SECRET: this service verifies the auth-service\'s RS256 tokens and signs none'));
    this.hmacKey ??= crypto.webcrypto.subtle.importKey('raw', this.key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return this.hmacKey;
  }

  /**
   * Development sign-in (DESIGN 4.1): a token for a chosen display name. The user id is derived
   * from the name so that the same name is the same user across sign-ins.
   * @throws AppError `forbidden` / `DEV_SIGN_IN_DISABLED` when a real secret or key set is configured.
   */
  async devSignIn(name: string, admin: boolean, instructor = false): Promise<{ token: string; user: AuthUser }> {
    if (!this.devMode) throw new AppError('forbidden', 'DEV_SIGN_IN_DISABLED', 'Development sign-in is only available without JWT_SECRET and AUTH_JWKS_URL');
    const clean = name.trim();
    const sub = `dev-${clean.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'user'}`;
    const roles = [...(admin ? ['admin'] : []), ...(instructor ? ['instructor'] : [])];
    const token = await this.sign({ sub, name: clean, roles });
    return { token, user: { id: sub, name: clean, roles, tier: 'free', levels: {}, email: null } };
  }
}

/** True when the user holds the `admin` role (DESIGN 4.1: admins manage slots, courses and read the outbox). */
export function isAdmin(user: Pick<AuthUser, 'roles'>): boolean {
  return user.roles.includes('admin');
}

/**
 * Requires the `admin` role; the one place every admin-only action checks it.
 * @param action what the caller tried, for the message ("create time slots").
 * @throws AppError forbidden/ADMIN_ONLY.
 */
export function requireAdmin(user: Pick<AuthUser, 'roles'>, action: string): void {
  if (!isAdmin(user)) throw new AppError('forbidden', 'ADMIN_ONLY', `Only admins may ${action}`);
}
