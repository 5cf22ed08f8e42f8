import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { DatabaseOpenError, type DatabaseHandle, type Executor } from './handle.ts';
import { RemotePglite } from './pglite-remote.ts';
import * as schema from './schema.ts';

/**
 * PostgreSQL settings of the embedded database (issue 14). PGlite's default of 128 MB of shared
 * buffers is sized for a server; one small deployment's working set fits in 16 MB, and the
 * process idles at about 190 MB instead of 290 MB. `wal_init_zero=off`: a new WAL segment is not
 * first filled with 16 MB of zeros through PGlite's file system (a matchmaking sweep of 100,000
 * registrations writes several; about 10 % of its time, BENCHMARKS.md "Matchmaking"). Commits are
 * still synced as before; what changes is that the disk space of a segment is no longer reserved
 * when it is created, so on a full disk PostgreSQL fails at a WAL write (and recovers on restart)
 * instead of at the segment's creation.
 */
export const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'wal_init_zero=off'];

/**
 * A migrated, empty in-memory database as a tar, made once per process: in-memory databases
 * (tests, benchmarks) start from it instead of each running initdb and every migration.
 */
let template: Promise<Uint8Array> | null = null;

async function inMemoryTemplate(migrationsFolder: string): Promise<Uint8Array> {
  template ??= (async () => {
    const first = await RemotePglite.start({ dataDir: null, settings: EMBEDDED_SETTINGS });
    try {
      await migratePglite(drizzlePglite({ client: first as unknown as PGlite, schema }), { migrationsFolder });
      return await first.dump();
    } finally {
      // initdb's memory goes with this worker.
      await first.close();
    }
  })();
  return template.catch((err: unknown) => {
    template = null;
    throw err;
  });
}

/**
 * Creates a PGlite data directory (initdb) and applies the migrations, in a child process.
 * initdb and the first migrations grow PGlite's WebAssembly memory to some 800 MB, which never
 * shrinks; in a thread of this process ~90 MB stayed behind after the thread ended (issue 14). A
 * child process returns all of it, and the worker then opens a ready directory.
 * @throws Error with the child's output when it fails or takes over 2 minutes.
 */
async function createDataDirectory(directory: string, migrationsFolder: string): Promise<void> {
  const load = (specifier: string) => JSON.stringify(import.meta.resolve(specifier));
  const script = [
    `const { PGlite } = await import(${load('@electric-sql/pglite')});`,
    `const { drizzle } = await import(${load('drizzle-orm/pglite')});`,
    `const { migrate } = await import(${load('drizzle-orm/pglite/migrator')});`,
    'const db = new PGlite(process.argv[1]);',
    'await migrate(drizzle({ client: db }), { migrationsFolder: process.argv[2] });',
    'await db.close();',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script, directory, migrationsFolder], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`creating it failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/**
 * Opens the embedded PGlite database in a worker thread and applies pending migrations
 * (issue 14: off the event loop, memory sized for a small deployment).
 * - `dataDir` null: in memory, started from a per-process template.
 * - otherwise `dataDir/pglite`, locked by `dataDir/.lock` for this process. A new directory is
 *   created and migrated by a short-lived child process before the worker opens it.
 * @throws DatabaseOpenError when the directory is locked, unusable or cannot be migrated.
 */
export async function openPglite(dataDir: string | null, migrationsFolder: string): Promise<DatabaseHandle> {
  let release: () => void = () => undefined;
  let client: RemotePglite;
  if (dataDir === null) {
    try {
      client = await RemotePglite.start({ dataDir: null, settings: EMBEDDED_SETTINGS, load: await inMemoryTemplate(migrationsFolder) });
    } catch (err) {
      throw new DatabaseOpenError(`The in-memory database cannot be created: ${(err as Error).message}`, { cause: err });
    }
  } else {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      throw new DatabaseOpenError(`DATA_DIR ${dataDir} cannot be created: ${(err as Error).message}`, { cause: err });
    }
    release = acquireDirectoryLock(dataDir);
    const directory = path.join(dataDir, 'pglite');
    try {
      if (!fs.existsSync(path.join(directory, 'PG_VERSION'))) {
        await createDataDirectory(directory, migrationsFolder);
      }
      client = await RemotePglite.start({ dataDir: directory, settings: EMBEDDED_SETTINGS });
    } catch (err) {
      release();
      throw new DatabaseOpenError(`The embedded database in ${dataDir} cannot be opened: ${(err as Error).message}`, { cause: err });
    }
  }
  const db = drizzlePglite({ client: client as unknown as PGlite, schema }) as unknown as Executor;
  try {
    await migratePglite(db as never, { migrationsFolder });
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

