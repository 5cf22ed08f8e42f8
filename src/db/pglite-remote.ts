import { Worker } from 'node:worker_threads';
import type { ParserOptions, QueryOptions, Results } from '@electric-sql/pglite';
import type { PgliteWorkerData, SerializedError, WorkerReply, WorkerRequest } from './pglite-worker.ts';

/** Distributes `Omit` over the members of a union (the requests without their `id`). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** The part of PGlite's interface that drizzle's `pglite` driver and this service call. */
export interface PgliteQueryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
}

/** A transaction of the worker's database, as drizzle's driver uses it. */
export interface RemoteTransaction extends PgliteQueryable {
  rollback(): Promise<void>;
}

/** The worker's file: `.ts` when the sources run through tsx, `.js` in the compiled build. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCES ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);
/**
 * A worker thread does not inherit the parent's module hooks (Node 20): from the sources, a
 * bootstrap registers tsx in the thread, then loads the worker.
 */
function createWorker(data: PgliteWorkerData): Worker {
  // No inherited flags: the parent's preloads (`--import` of a profiler, a loader) are not for this thread.
  if (!FROM_SOURCES) return new Worker(WORKER_URL, { workerData: data, execArgv: [] });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data, execArgv: [] });
}

/** Raised for every request once the worker has stopped; SQLSTATE 57P02 (crash shutdown) → 503. */
class WorkerStoppedError extends Error {
  readonly code = '57P02';
  constructor(reason: string) {
    super(`The embedded database stopped: ${reason}`);
    this.name = 'WorkerStoppedError';
  }
}

function revive(error: SerializedError): Error {
  const err = new Error(error.message);
  err.name = error.name;
  return Object.assign(err, error.fields);
}

/**
 * PGlite running in a worker thread (`pglite-worker.ts`), with the methods drizzle's `pglite`
 * driver calls: `query`, `exec`, `transaction`. Issue 14: the WebAssembly PostgreSQL runs off
 * the event loop, so a slow sweep no longer stalls signaling.
 *
 * Semantics are PGlite's own (one connection): a query on the database while a transaction is
 * open waits for it to end. Parsers given in `options.parsers` run here, on the results the
 * worker returns as text for those types (functions cannot cross threads).
 */
export class RemotePglite implements PgliteQueryable {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private stopped: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(revive(reply.error));
    });
    const fail = (reason: string) => {
      this.stopped ??= new WorkerStoppedError(reason);
      for (const waiter of this.pending.values()) waiter.reject(this.stopped);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  }

  /**
   * Starts a worker and waits until its database is open.
   * @param data where and how (see `PgliteWorkerData`).
   * @throws Error with PGlite's message when the database cannot be opened.
   */
  static async start(data: PgliteWorkerData): Promise<RemotePglite> {
    const worker = createWorker(data);
    const ready = await new Promise<{ ready: boolean; error?: SerializedError }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the embedded database worker exited with code ${code} while opening`)));
    });
    if (!ready.ready) {
      await worker.terminate();
      throw revive(ready.error!);
    }
    worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
    // The open database keeps the process alive until `close()`, as PGlite in the main thread did:
    // a caller waiting on an unreferenced timer (the relay's publish timeout) is not cut short.
    return new RemotePglite(worker);
  }

  private send<T>(request: WithoutId<WorkerRequest>): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /** Runs one statement with `$1…` parameters. @throws Error carrying PostgreSQL's `code`. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], options?: QueryOptions, tx?: number): Promise<Results<T>> {
    return queryVia<T>((request) => this.send(request), sql, params, options, tx);
  }

  /** Runs statements without parameters (several separated by `;`). */
  exec(sql: string, tx?: number): Promise<Results[]> {
    return this.send({ op: 'exec', sql, tx });
  }

  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (the
   * error is rethrown) or calls `rollback()`.
   */
  async transaction<T>(fn: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const id = await this.send<number>({ op: 'begin' });
    let rolledBack = false;
    const tx: RemoteTransaction = {
      query: (sql, params, options) => this.query(sql, params, options, id),
      exec: (sql) => this.exec(sql, id),
      rollback: async () => {
        rolledBack = true;
        throw new Error('Transaction rolled back');
      },
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      await this.send({ op: 'end', tx: id, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.send({ op: 'end', tx: id, commit: !rolledBack });
    return result;
  }

  /** The data directory as an uncompressed tar (to start in-memory copies without initdb). */
  dump(): Promise<Uint8Array> {
    return this.send({ op: 'dump' });
  }

  /** Closes the database and stops the thread. */
  async close(): Promise<void> {
    if (!this.stopped) await this.send({ op: 'close' }).catch(() => undefined);
    this.stopped ??= new WorkerStoppedError('closed');
    await this.worker.terminate();
  }
}

async function queryVia<T>(
  send: (request: WithoutId<WorkerRequest>) => Promise<Results<T>>,
  sql: string,
  params: unknown[],
  options: QueryOptions | undefined,
  tx: number | undefined,
): Promise<Results<T>> {
  const parsers: ParserOptions = options?.parsers ?? {};
  const rawTypes = Object.keys(parsers).map(Number);
  const rowMode = options?.rowMode ?? 'object';
  const result = await send({ op: 'query', sql, params, rowMode, rawTypes, tx });
  if (rawTypes.length > 0) applyParsers(result, parsers, rowMode);
  return result;
}

/** Applies the caller's parsers to the columns of their types (the worker left them as text). */
function applyParsers(result: Results<unknown>, parsers: ParserOptions, rowMode: 'object' | 'array'): void {
  const columns = result.fields.flatMap((field, index) => {
    const parse = parsers[field.dataTypeID] as ((x: string, typeId?: number) => unknown) | undefined;
    return parse ? [{ key: rowMode === 'array' ? index : field.name, parse, typeId: field.dataTypeID }] : [];
  });
  if (columns.length === 0) return;
  for (const row of result.rows as Record<string | number, unknown>[]) {
    for (const { key, parse, typeId } of columns) {
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = parse(value as string, typeId);
    }
  }
}
