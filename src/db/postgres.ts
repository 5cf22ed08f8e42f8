import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { DatabaseOpenError, redactUrl, type DatabaseHandle, type Executor } from './handle.ts';
import * as schema from './schema.ts';

/**
 * Opens a PostgreSQL server through `pg` (a pool of `poolSize` connections) and applies pending
 * migrations under an advisory lock. Loaded only with `DATABASE_URL` (issue 14: `pg` and drizzle's
 * driver stay out of the embedded default's memory).
 * @param connectTimeoutMs give up opening a connection after this, ms.
 * @param statementTimeoutMs the server cancels a statement running longer, ms.
 * @throws DatabaseOpenError when the server is unreachable or migrating fails.
 */
export async function openPostgres(url: string, poolSize: number, connectTimeoutMs: number, statementTimeoutMs: number, migrationsFolder: string): Promise<DatabaseHandle> {
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
      await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
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

