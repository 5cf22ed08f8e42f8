import crypto from 'node:crypto';

/**
 * HMAC-SHA256 signatures of the embedded store's URLs (DESIGN 3: local files served by the
 * service through signed, expiring URLs), the way S3 presigned URLs work: the signature covers
 * the method, the key, the expiry and, for uploads, the content type and the largest size; any
 * change to one of them, or the URL used after its expiry, is refused.
 */

/** What a signed URL allows. */
export interface UrlGrant {
  /** `GET` URLs also answer `HEAD`. */
  method: 'GET' | 'PUT';
  key: string;
  /** Expiry, whole seconds since the epoch (UTC). */
  expiresAtSec: number;
  /** Uploads: the `Content-Type` the PUT must carry. */
  contentType: string | null;
  /** Uploads: the largest body accepted, bytes. */
  maxBytes: number | null;
}

/** Why a signed URL was refused. */
export type UrlRefusal = 'mismatch' | 'expired';

function canonical(grant: UrlGrant): string {
  return ['v1', grant.method, grant.key, String(grant.expiresAtSec), grant.contentType ?? '', grant.maxBytes === null ? '' : String(grant.maxBytes)].join('\n');
}

/** The signature of `grant` (base64url). */
export function signGrant(secret: Uint8Array, grant: UrlGrant): string {
  return crypto.createHmac('sha256', secret).update(canonical(grant)).digest('base64url');
}

/**
 * Checks `signature` against `grant` in constant time, then the expiry at `nowMs` (epoch ms of
 * the service's clock). @returns null when the URL is good, else why not.
 */
export function checkGrant(secret: Uint8Array, grant: UrlGrant, signature: string, nowMs: number): UrlRefusal | null {
  const expected = Buffer.from(signGrant(secret, grant));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return 'mismatch';
  if (nowMs >= grant.expiresAtSec * 1000) return 'expired';
  return null;
}
