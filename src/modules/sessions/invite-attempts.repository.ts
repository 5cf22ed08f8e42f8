import crypto from 'node:crypto';
import { and, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { lockKeys } from '../../db/locks.ts';
import { inviteCodeAttempts } from '../../db/schema.ts';
import { retryAfterSeconds, type AttemptCharge, type AttemptWindow, type InviteAttemptStore } from './invite-attempts.ts';

/**
 * Invite-code attempts in the database: one transaction takes an advisory lock per window key
 * (in one statement, in `lockKeys`' order, so two attempts never wait on each other crosswise), counts each window, and
 * inserts a row per key only if all have room. Concurrent attempts on PostgreSQL queue on the
 * locks, so the count a request sees includes every attempt before it.
 */
export class DatabaseInviteAttempts implements InviteAttemptStore {
  constructor(private readonly db: Executor) {}

  async charge(windows: readonly AttemptWindow[], nowMs: number): Promise<AttemptCharge> {
    const now = new Date(nowMs);
    return this.db.transaction(async (tx) => {
      const sorted = [...windows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      await lockKeys(tx, sorted.map((w) => `invite-attempts:${w.key}`));
      let wait = 0;
      for (const w of sorted) {
        const [row] = await tx
          .select({ n: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${inviteCodeAttempts.at})` })
          .from(inviteCodeAttempts)
          .where(and(eq(inviteCodeAttempts.key, w.key), gt(inviteCodeAttempts.at, new Date(nowMs - w.windowMs))));
        if (row.n >= w.max && row.oldest) wait = Math.max(wait, retryAfterSeconds(new Date(row.oldest).getTime(), w.windowMs, nowMs));
      }
      if (wait > 0) return { ok: false, retryAfterSeconds: wait };
      const rows = sorted.map((w) => ({ id: crypto.randomUUID(), key: w.key, at: now }));
      await tx.insert(inviteCodeAttempts).values(rows);
      return { ok: true, ids: rows.map((r) => r.id) };
    });
  }

  async refund(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.delete(inviteCodeAttempts).where(inArray(inviteCodeAttempts.id, [...ids]));
  }

  async forget(tx: Executor, key: string): Promise<void> {
    await tx.delete(inviteCodeAttempts).where(eq(inviteCodeAttempts.key, key));
  }

  async prune(olderThanMs: number): Promise<number> {
    return (await this.db.delete(inviteCodeAttempts).where(lt(inviteCodeAttempts.at, new Date(olderThanMs))).returning({ id: inviteCodeAttempts.id })).length;
  }
}
