import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';

/** A stored idempotency key. */
export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/** SQL of the idempotency keys (issue 13). */
export const idempotencyRepository = {
  /**
   * Inserts a pending row for (user, key) held by `row.owner`, or takes over an existing one that
   * expired (`createdAt` before `expiredBefore`) or that is pending with the same fingerprint and
   * went stale (`lockedAt` before `staleBefore`: its request died). One statement, so of many
   * concurrent callers exactly one gets the row.
   * @returns true when `row.owner` now holds the key.
   */
  async claim(db: Executor, row: Omit<IdempotencyRow, 'responseStatus' | 'responseBody' | 'responseType'>, cutoffs: { expiredBefore: Date; staleBefore: Date }): Promise<boolean> {
    const taken = await db
      .insert(idempotencyKeys)
      .values(row)
      .onConflictDoUpdate({
        target: [idempotencyKeys.userId, idempotencyKeys.key],
        set: {
          fingerprint: row.fingerprint,
          state: 'pending',
          owner: row.owner,
          responseStatus: null,
          responseBody: null,
          responseType: null,
          createdAt: row.createdAt,
          lockedAt: row.lockedAt,
        },
        setWhere: or(
          lt(idempotencyKeys.createdAt, cutoffs.expiredBefore),
          and(eq(idempotencyKeys.state, 'pending'), lt(idempotencyKeys.lockedAt, cutoffs.staleBefore), eq(idempotencyKeys.fingerprint, row.fingerprint)),
        ),
      })
      .returning({ owner: idempotencyKeys.owner });
    return taken.length === 1 && taken[0].owner === row.owner;
  },

  async find(db: Executor, userId: string, key: string): Promise<IdempotencyRow | null> {
    const [row] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
    return row ?? null;
  },

  /** Stores the answer, if `owner` still holds the key. @returns whether it did. */
  async complete(db: Executor, userId: string, key: string, owner: string, answer: { status: number; body: string; type: string | null }): Promise<boolean> {
    const done = await db
      .update(idempotencyKeys)
      .set({ state: 'done', responseStatus: answer.status, responseBody: answer.body, responseType: answer.type })
      .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key), eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.state, 'pending')))
      .returning({ key: idempotencyKeys.key });
    return done.length === 1;
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
