import crypto from 'node:crypto';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle, type Executor } from '../../src/db/client.ts';

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

/**
 * Waits until every transaction running on the server at the call has ended (polls every 10 ms,
 * 10 s at most). The outbox reader hands out nothing past a transaction still running, and on a
 * shared PostgreSQL server that includes other test files' transactions: a test reading the
 * events it just caused waits for this first. Immediate on PGlite (one connection).
 * @throws Error when transactions are still running after 10 s.
 */
export async function outboxSettled(db: Executor): Promise<void> {
  const rows = async <T>(query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows;
  const [first] = await rows<{ xmax: string }>(sql`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await rows<{ settled: boolean }>(sql`select pg_snapshot_xmin(pg_current_snapshot()) >= ${first!.xmax}::xid8 as settled`);
    if (row?.settled) return;
    if (Date.now() > deadline) throw new Error('transactions still running after 10 s: the outbox cannot hand out the latest events');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
