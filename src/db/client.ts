import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.ts';

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

const MIGRATIONS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Opens the database and applies pending migrations.
 * - `databaseUrl` set: a PostgreSQL server through `pg` (pool of `poolSize` connections).
 * - otherwise: embedded PGlite in `dataDir/pglite` (or in memory when `dataDir` is `null`),
 *   guarded by a lock file so that a second process cannot open the same directory.
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
  return openPglite(options.dataDir);
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

async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  let release: () => void = () => undefined;
  let client: PGlite;
  if (dataDir === null) {
    client = new PGlite();
  } else {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      throw new DatabaseOpenError(`DATA_DIR ${dataDir} cannot be created: ${(err as Error).message}`, { cause: err });
    }
    release = acquireDirectoryLock(dataDir);
    try {
      client = new PGlite(path.join(dataDir, 'pglite'));
      await client.waitReady;
    } catch (err) {
      release();
      throw new DatabaseOpenError(`The embedded database in ${dataDir} cannot be opened: ${(err as Error).message}`, { cause: err });
    }
  }
  const db = drizzlePglite(client, { schema }) as unknown as Executor;
  try {
    await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (err) {
    await client.close().catch(() => undefined);
    release();
    throw new DatabaseOpenError(`Migrating the embedded database failed: ${(err as Error).message}`, { cause: err });
  }
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * Takes `dataDir/.lock` for this process. A lock left by a dead process is taken over.
 * @returns a function that releases the lock.
 * @throws DatabaseOpenError when a live process holds it.
 */
function acquireDirectoryLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DatabaseOpenError(`DATA_DIR ${dataDir} is not writable: ${(err as Error).message}`, { cause: err });
      }
      const holder = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseOpenError(
          `DATA_DIR ${dataDir} is already in use by process ${holder}. Stop that process or set another DATA_DIR.`,
        );
      }
      if (holder === process.pid) {
        throw new DatabaseOpenError(`DATA_DIR ${dataDir} is already open in this process.`);
      }
      fs.rmSync(lockPath, { force: true }); // stale lock from a crashed process
    }
  }
  throw new DatabaseOpenError(`Could not lock DATA_DIR ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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
