import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';

/**
 * A fresh database for one test: an in-memory PGlite by default, or, when `DATABASE_URL` is set
 * (the CI's second pass), a new database created on that PostgreSQL server and dropped on close.
 * @param options.serverUrl a PostgreSQL server to use whatever `DATABASE_URL` says (for tests that
 *   need concurrent transactions, which PGlite's single connection cannot hold).
 */
export async function openTestDatabase(options: { poolSize?: number; serverUrl?: string } = {}): Promise<DatabaseHandle & { url: string | null }> {
  const serverUrl = options.serverUrl ?? process.env.DATABASE_URL;
  if (!serverUrl) {
    const handle = await openDatabase({ databaseUrl: null, dataDir: null });
    return { ...handle, url: null };
  }
  const name = `cs_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: null, poolSize: options.poolSize ?? 20 });
  return {
    ...handle,
    url: url.toString(),
    close: async () => {
      await handle.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** True when the suite runs against a PostgreSQL server. */
export const onPostgres = Boolean(process.env.DATABASE_URL);

/**
 * The PostgreSQL server for tests that need one on both passes: `DATABASE_URL`, else
 * `TEST_POSTGRES_URL`, else the local server `.ci/run` starts.
 */
export const postgresServerUrl = process.env.DATABASE_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
