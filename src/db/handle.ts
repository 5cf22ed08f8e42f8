import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.ts';

/**
 * A query executor: the root database or a transaction. Services pass it down to repositories so
 * that a state change in several tables commits atomically (DESIGN 3).
 */
export type Executor = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database with its kind and a way to close it. */
export interface DatabaseHandle {
  db: Executor;
  kind: 'pglite' | 'postgres';
  /** Answers whether the database still responds (readiness). */
  ping(): Promise<void>;
  /** PostgreSQL: connections of the pool (open, idle, requests waiting for one); absent for PGlite. */
  pool?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** Raised when the database cannot be opened; start-up must fail loudly, never start empty. */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** Hides the password of a connection URL for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
