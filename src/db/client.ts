import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle } from './handle.ts';

export { DatabaseOpenError, redactUrl, type DatabaseHandle, type Executor } from './handle.ts';

/** The SQL migrations drizzle-kit generates (`drizzle/`), applied at start on both databases. */
export const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Opens the database and applies pending migrations.
 * - `databaseUrl` set: a PostgreSQL server through `pg` (pool of `poolSize` connections).
 * - otherwise: embedded PGlite in `dataDir/pglite` (or in memory when `dataDir` is `null`), in a
 *   worker thread, guarded by a lock file so that a second process cannot open the same
 *   directory (see `embedded.ts`).
 * Each driver is loaded only when chosen (issue 14: the embedded default does not hold `pg`).
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
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(options.databaseUrl, options.poolSize ?? 20, options.connectTimeoutMs ?? 5_000, options.statementTimeoutMs ?? 30_000, MIGRATIONS_FOLDER);
  }
  const { openPglite } = await import('./embedded.ts');
  return openPglite(options.dataDir, MIGRATIONS_FOLDER);
}
