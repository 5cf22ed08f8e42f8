import crypto from 'node:crypto';

/**
 * Tokens this instance has already verified, with what they said (issue 14). Verifying an HS256
 * token through jose and WebCrypto costs about 100 µs of the event loop on Node 20, on every
 * request and every signaling admission; a client sends the same bearer token with each of
 * them. An entry is found only by the SHA-256 of the exact token string (a changed byte is
 * another token, verified afresh), and holds for the token's own `exp` and at most `maxAgeMs`
 * after its verification (so a key withdrawn from AUTH_JWKS_URL stops being honoured within that
 * time). Only successes are kept: a refusal is always verified afresh. The oldest entries go
 * first once `capacity` is reached.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { value: T; expMs: number; untilMs: number }>();
  /** The last token hashed and its digest: a miss is followed by a `put` of the same token. */
  private last: { token: string; key: string } | null = null;

  /**
   * @param capacity entries kept at most (about 200 bytes each plus the value).
   * @param maxAgeMs longest time an entry is used after its verification, ms.
   */
  constructor(
    private readonly capacity = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** The value stored for `token`, unless its `exp` (epoch ms, already with any tolerance) or the entry's age passed at `nowMs`. */
  get(token: string, nowMs: number): T | undefined {
    const key = this.keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs >= entry.expMs || nowMs >= entry.untilMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps what verifying `token` at `nowMs` gave, until `expMs` (epoch ms, tolerance included). */
  put(token: string, value: T, expMs: number, nowMs: number): void {
    if (expMs <= nowMs) return;
    if (this.entries.size >= this.capacity) {
      // Map keeps insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(this.keyOf(token), { value, expMs, untilMs: nowMs + this.maxAgeMs });
  }

  private keyOf(token: string): string {
    if (this.last?.token === token) return this.last.key;
    const key = digest(token);
    this.last = { token, key };
    return key;
  }

  /** Number of entries (tests). */
  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url');
}
