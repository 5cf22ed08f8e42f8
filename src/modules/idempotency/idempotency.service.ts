import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Executor } from '../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { Batcher } from '../../shared/batcher.ts';
import { idempotencyRepository as repo, type IdempotencyRow } from './idempotency.repository.ts';

/** How long keys live and how a retry waits for the first request (IDEMPOTENCY_*, issue 13). */
export interface IdempotencySettings {
  /** A key is forgotten this long after its first use (24 h). */
  ttlMs: number;
  /** A retry waits at most this long for the first request to finish, then gets 409. */
  waitMs: number;
  /** A pending key older than this belongs to a request that died: a retry takes it over. */
  pendingTimeoutMs: number;
}

/** A request holding a key: what `complete` and `release` need. */
export interface IdempotencyHold {
  userId: string;
  key: string;
  owner: string;
}

/** What a request with an `Idempotency-Key` does: run (holding the key), or answer as the first did. */
export type IdempotencyOutcome =
  | { kind: 'execute'; hold: IdempotencyHold }
  | { kind: 'replay'; status: number; body: string; type: string | null };

type ClaimRow = Omit<IdempotencyRow, 'responseStatus' | 'responseBody' | 'responseType'>;
type Answer = IdempotencyHold & { status: number; body: string; type: string | null };

/** Between two looks at a key another request holds. */
const POLL_MS = 25;

/**
 * Idempotent retries of creating POSTs (issue 13; the shape of draft-ietf-httpapi-idempotency-key-header):
 * the first request with a key runs and its answer is stored; a retry with the same key and the
 * same request gets that answer again (same status, same body), waiting for it if the first is
 * still running; the same key with another request is refused. Keys belong to a user and expire
 * after `ttlMs`. Answers 5xx and 429 are not stored: the key is released and a retry runs anew.
 *
 * Where the route stores the answer in the work's own transaction (registrations, private
 * sessions: `answerInTransaction` in src/http/idempotency.ts), the two commit together. A route
 * that stores it afterwards (`onSend`) leaves a window: if the process dies between the two, a
 * retry after `pendingTimeoutMs` runs the request again.
 */
export class IdempotencyService {
  /**
   * Claims made while a claim statement is in flight go together in the next (issue 14: one
   * statement for a crowd of registrations instead of one each). A claim that fails in a batch
   * (a deadlock, say) is made again alone.
   */
  private readonly claims: Batcher<ClaimRow, boolean>;
  /** Answers stored in one transaction in the same turn of the event loop: one statement (a batch of registrations). */
  private readonly completions = new WeakMap<Executor, Batcher<Answer, void>>();

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly settings: IdempotencySettings,
  ) {
    this.claims = new Batcher(
      async (rows) => {
        try {
          const held = await repo.claimMany(this.db, rows, settings);
          return rows.map((row) => held.has(row.owner));
        } catch (err) {
          if (rows.length === 1) throw err;
          const alone: boolean[] = [];
          for (const row of rows) alone.push((await repo.claimMany(this.db, [row], settings)).has(row.owner));
          return alone;
        }
      },
      (row) => `${row.userId}\n${row.key}`,
      { maxBatch: 100, maxInFlight: 1 },
    );
  }

  /**
   * Claims `key` for this request, or finds the answer to replay.
   * @param fingerprint `fingerprintOf` the request.
   * @throws AppError unprocessable `IDEMPOTENCY_KEY_REUSED` (422) when the key was used for another request;
   *   conflict `IDEMPOTENCY_KEY_IN_USE` (409, retry after 1 s) when the first request is still running after `waitMs`.
   */
  async begin(userId: string, key: string, fingerprint: string): Promise<IdempotencyOutcome> {
    const owner = crypto.randomUUID();
    const waitUntil = performance.now() + this.settings.waitMs;
    for (;;) {
      const now = this.clock.now();
      const claimed = await this.claims.call({ userId, key, fingerprint, state: 'pending', owner, createdAt: now, lockedAt: now });
      if (claimed) return { kind: 'execute', hold: { userId, key, owner } };
      const row = await repo.find(this.db, userId, key);
      if (!row) continue; // released between the two statements: claim again
      if (row.fingerprint !== fingerprint) {
        throw new AppError('unprocessable', 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another request');
      }
      if (row.state === 'done') return { kind: 'replay', status: row.responseStatus ?? 200, body: row.responseBody ?? '', type: row.responseType };
      if (performance.now() >= waitUntil) {
        throw new AppError('conflict', 'IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed', { retryAfterSeconds: 1 });
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * The request holding the key answered: stored for replay, unless it is an answer a retry may
   * change (5xx, 429), in which case the key is released.
   * @param db where: by default a statement of its own; the work's transaction when the answer is
   *   known before it commits (`answerInTransaction` in src/http/idempotency.ts), so that the work
   *   and its answer commit together.
   */
  async complete(hold: IdempotencyHold, answer: { status: number; body: string; type: string | null }, db: Executor = this.db): Promise<void> {
    if (answer.status >= 500 || answer.status === 429) await repo.release(db, hold.userId, hold.key, hold.owner);
    else await this.completer(db).call({ ...hold, ...answer });
  }

  private completer(db: Executor): Batcher<Answer, void> {
    let batcher = this.completions.get(db);
    if (!batcher) {
      // One statement at a time: a transaction runs its statements one after the other.
      batcher = new Batcher<Answer, void>((answers) => repo.completeMany(db, answers).then(() => answers.map(() => undefined)), (a) => `${a.userId}\n${a.key}`, { maxBatch: 100, maxInFlight: 1 });
      this.completions.set(db, batcher);
    }
    return batcher;
  }

  /** The request holding the key ended without an answer to store (its body was not text). */
  async release(hold: IdempotencyHold): Promise<void> {
    await repo.release(this.db, hold.userId, hold.key, hold.owner);
  }

  /** Forgets keys older than the TTL (a job). @returns how many. */
  prune(now: Date): Promise<number> {
    return repo.prune(this.db, new Date(now.getTime() - this.settings.ttlMs));
  }

  /** Erasure (`user.deleted`): the user's keys and stored answers go. */
  async eraseUser(tx: Executor, userId: string): Promise<void> {
    await repo.eraseUser(tx, userId);
  }
}

/**
 * The fingerprint a retry must match: sha256 (hex) of the method, the route pattern, the path
 * parameters and the body, objects serialized with sorted keys (so key order does not matter).
 */
export function fingerprintOf(request: { method: string; route: string; params: unknown; body: unknown }): string {
  return crypto
    .createHash('sha256')
    .update(`${request.method} ${request.route}\n${canonicalJson(request.params ?? null)}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
