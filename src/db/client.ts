import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { openPglite } from './embedded.ts';
import { DatabaseOpenError, type DatabaseHandle, type Executor } from './handle.ts';
import * as schema from './schema.ts';

export { DatabaseOpenError, type DatabaseHandle, type Executor } from './handle.ts';

/** The SQL migrations drizzle-kit generates (`drizzle/`), applied at start on both databases. */
export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Opens the database and applies pending migrations.
 * - `databaseUrl` set: a PostgreSQL server through `pg` (pool of `poolSize` connections).
 * - otherwise: embedded PGlite in `dataDir/pglite` (or in memory when `dataDir` is `null`), in a
 *   worker thread, guarded by a lock file so that a second process cannot open the same
 *   directory (see `embedded.ts`).
 * @throws DatabaseOpenError when the directory is locked or unusable, or the server is unreachable.
 */
export async function openDatabase(options: {
  databaseUrl: string | null;
  dataDir: string | null;
  poolSize?: number;
  /** PostgreSQL: give up opening a connection after this, ms (`DATABASE_CONNECT_TIMEOUT`). */
  connectTimeoutMs?: number;
  /** PostgreSQL: the server cancels a statement running longer, ms (`DATABASE_STATEMENT_TIMEOUT`). */
  statementTimeoutMs?: number;
}): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 20, options.connectTimeoutMs ?? 5_000, options.statementTimeoutMs ?? 30_000);
  return openPglite(options.dataDir, MIGRATIONS_FOLDER);
}

async function openPostgres(url: string, poolSize: number, connectTimeoutMs: number, statementTimeoutMs: number): Promise<DatabaseHandle> {
  // Timeouts on purpose (issue 13): a server that does not answer fails a request in seconds
  // (503, see db/errors.ts) instead of holding it; a runaway statement is cancelled by the server.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
  });
  // An idle client losing its connection (server restart, database dropped) must not crash the
  // process: the pool discards it and the next query opens a new connection or fails visibly.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseOpenError(`Cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  const db = drizzlePg(pool, { schema }) as unknown as Executor;
  try {
    // Serialise concurrent migrators (several instances starting at once) with an advisory lock.
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock(727001)');
      await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock(727001)').catch(() => undefined);
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseOpenError(`Migrating PostgreSQL failed: ${(err as Error).message}`, { cause: err });
  }
  return {
    db,
    kind: 'postgres',
    ping: async () => {
      await pool.query('select 1');
    },
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
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
