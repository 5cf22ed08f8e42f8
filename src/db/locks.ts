import { sql } from 'drizzle-orm';
import type { Executor } from './client.ts';

/**
 * Takes a transaction-scoped advisory lock on a string key (released at commit or rollback).
 * Serialises concurrent attempts of one user where a limit spans several rows (DESIGN 5).
 */
export async function lockKey(db: Executor, key: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
}

/**
 * `lockKey` for several keys in one statement. The locks are taken in the order of their hashes,
 * the lock identifiers, whatever the order of `keys`, so two callers never wait on each other in
 * a cycle (PostgreSQL evaluates a volatile function in the select list after the sort).
 */
export async function lockKeys(db: Executor, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.execute(sql`select pg_advisory_xact_lock(h)
    from (select distinct hashtext(k) as h from json_array_elements_text(${JSON.stringify(keys)}::json) as k) as t order by h`);
}

/** True when a database error is a unique-constraint violation (SQLSTATE 23505), on pg and PGlite. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/**
 * The rows of a raw `db.execute(sql…)` result: both drivers (pg's `QueryResult`, PGlite's
 * `Results`) put them under `rows`.
 */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
