import { and, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rowsOf } from '../../db/locks.ts';
import { idempotencyKeys } from '../../db/schema.ts';

/** A stored idempotency key. */
export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/** SQL of the idempotency keys (issue 13). */
export const idempotencyRepository = {
  /**
   * Inserts pending rows for (user, key), each held by its `owner`, or takes over an existing one
   * that expired (created more than `ttlMs` before the new row's `createdAt`) or that is pending
   * with the same fingerprint and went stale (locked more than `pendingTimeoutMs` before the new
   * row's `lockedAt`: its request died). One statement, so of many concurrent callers of a key
   * exactly one gets the row; rows are written in (user, key) order, so two concurrent batches
   * never wait on each other in a cycle. At most one row per (user, key) in `rows`.
   * @returns the owners that now hold their key.
   */
  async claimMany(db: Executor, rows: readonly Omit<IdempotencyRow, 'responseStatus' | 'responseBody' | 'responseType'>[], limits: { ttlMs: number; pendingTimeoutMs: number }): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const sorted = [...rows].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // One JSON parameter rather than drizzle's builder, which checks every value (issue 14 profile).
    const json = JSON.stringify(sorted.map((r) => ({ user_id: r.userId, key: r.key, fingerprint: r.fingerprint, state: r.state, owner: r.owner, created_at: r.createdAt, locked_at: r.lockedAt })));
    const taken = rowsOf<{ owner: string }>(
      await db.execute(sql`
        insert into idempotency_keys as k (user_id, key, fingerprint, state, owner, created_at, locked_at)
        select user_id, key, fingerprint, state, owner, created_at, locked_at
        from rows from (json_to_recordset(${json}::json)
                        as (user_id text, key text, fingerprint text, state text, owner text, created_at timestamptz, locked_at timestamptz))
             with ordinality as r(user_id, key, fingerprint, state, owner, created_at, locked_at, n)
        order by n
        on conflict (user_id, key) do update set
          fingerprint = excluded.fingerprint, state = 'pending', owner = excluded.owner,
          response_status = null, response_body = null, response_type = null,
          created_at = excluded.created_at, locked_at = excluded.locked_at
        where k.created_at < excluded.created_at - make_interval(secs => ${limits.ttlMs / 1000})
           or (k.state = 'pending' and k.locked_at < excluded.locked_at - make_interval(secs => ${limits.pendingTimeoutMs / 1000})
               and k.fingerprint = excluded.fingerprint)
        returning k.owner`),
    );
    return new Set(taken.map((t) => t.owner));
  },

  async find(db: Executor, userId: string, key: string): Promise<IdempotencyRow | null> {
    const [row] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
    return row ?? null;
  },

  /** Stores answers, each if its `owner` still holds its key, in one statement. At most one answer per (user, key). */
  async completeMany(db: Executor, answers: readonly { userId: string; key: string; owner: string; status: number; body: string; type: string | null }[]): Promise<void> {
    if (answers.length === 0) return;
    await db.execute(sql`update idempotency_keys k
      set state = 'done', response_status = a.status, response_body = a.body, response_type = a.type
      from json_to_recordset(${JSON.stringify(answers)}::json) as a("userId" text, key text, owner text, status int, body text, type text)
      where k.user_id = a."userId" and k.key = a.key and k.owner = a.owner and k.state = 'pending'`);
  },

  /** Deletes the pending row `owner` holds (its request failed in a way a retry may fix). */
  async release(db: Executor, userId: string, key: string, owner: string): Promise<void> {
    await db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key), eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.state, 'pending')));
  },

  /** Deletes keys created before `before`. @returns how many. */
  async prune(db: Executor, before: Date): Promise<number> {
    const gone = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).returning({ key: idempotencyKeys.key });
    return gone.length;
  },

  async eraseUser(tx: Executor, userId: string): Promise<number> {
    const gone = await tx.delete(idempotencyKeys).where(eq(idempotencyKeys.userId, userId)).returning({ key: sql<string>`1` });
    return gone.length;
  },
};
