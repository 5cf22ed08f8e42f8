/**
 * The embedded PostgreSQL (PGlite) in a worker thread (issue 14). PGlite runs PostgreSQL compiled
 * to WebAssembly in the thread that calls it: a 50 ms sweep query there is 50 ms during which no
 * signaling frame is relayed. Here it runs in its own thread; the event loop only posts messages
 * (see `pglite-remote.ts`, the other end of this protocol).
 *
 * workerData: `PgliteWorkerData`. Messages in: `WorkerRequest`; out: `WorkerReply`, and first
 * `{ ready: true }` or `{ ready: false, error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';

/** What the worker is started with. */
export interface PgliteWorkerData {
  /** Data directory (`DATA_DIR/pglite`), or null for an in-memory database. */
  dataDir: string | null;
  /** PostgreSQL settings added to PGlite's defaults, e.g. `['-c', 'shared_buffers=16MB']`. */
  settings: string[];
  /** A data directory dump (tar) to start an in-memory database from instead of running initdb. */
  load?: Uint8Array;
}

/** One request from the main thread. `tx` addresses an open transaction, else the database. */
export type WorkerRequest =
  | { op: 'query'; id: number; tx?: number; sql: string; params: unknown[]; rowMode: 'object' | 'array'; rawTypes: number[] }
  | { op: 'exec'; id: number; tx?: number; sql: string }
  | { op: 'begin'; id: number }
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'dump'; id: number }
  | { op: 'close'; id: number };

/** The answer to request `id`: a result, or an error with PostgreSQL's fields (`code`, ...). */
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

/** An error as it crosses the thread boundary: message, name and PostgreSQL's fields. */
export interface SerializedError {
  message: string;
  name: string;
  fields: Record<string, unknown>;
}

/** Marks a rollback asked for by the main thread (PGlite rolls back when the callback throws). */
const ROLLBACK = Symbol('rollback');

function serialize(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return { message: e.message, name: e.name, fields };
}

async function main(): Promise<void> {
  const data = workerData as PgliteWorkerData;
  const port = parentPort!;
  let db: PGlite;
  try {
    const options = {
      startParams: [...PGlite.defaultStartParams, ...data.settings],
      ...(data.load ? { loadDataDir: new Blob([data.load as Uint8Array<ArrayBuffer>]) } : {}),
    };
    db = data.dataDir === null ? new PGlite(options) : new PGlite(data.dataDir, options);
    await db.waitReady;
  } catch (err) {
    port.postMessage({ ready: false, error: serialize(err) });
    return;
  }

  /** Open transactions: the PGlite handle and how to end it. */
  const open = new Map<number, { tx: Transaction; end: (commit: boolean) => void; done: Promise<unknown> }>();
  let nextTx = 1;
  const identity = (value: string) => value;
  const target = (tx: number | undefined) => {
    if (tx === undefined) return db;
    const entry = open.get(tx);
    if (!entry) throw new Error(`transaction ${tx} is not open`);
    return entry.tx;
  };

  async function handle(req: WorkerRequest): Promise<unknown> {
    switch (req.op) {
      case 'query': {
        // Types whose parser lives on the main thread arrive as PostgreSQL's text.
        const parsers = Object.fromEntries(req.rawTypes.map((oid) => [oid, identity]));
        return target(req.tx).query(req.sql, req.params, { rowMode: req.rowMode, parsers });
      }
      case 'exec':
        return target(req.tx).exec(req.sql);
      case 'begin': {
        const id = nextTx++;
        let end!: (commit: boolean) => void;
        const decided = new Promise<boolean>((resolve) => (end = resolve));
        let started!: () => void;
        const begun = new Promise<void>((resolve) => (started = resolve));
        const done = db
          .transaction(async (tx) => {
            open.set(id, { tx, end, done });
            started();
            if (!(await decided)) throw ROLLBACK;
          })
          .catch((err: unknown) => {
            if (err !== ROLLBACK) throw err;
          })
          .finally(() => open.delete(id));
        // The transaction may fail to begin (it waits for any other one to end first).
        await Promise.race([begun, done]);
        if (!open.has(id)) throw new Error('the transaction could not begin');
        return id;
      }
      case 'end': {
        const entry = open.get(req.tx);
        if (!entry) throw new Error(`transaction ${req.tx} is not open`);
        entry.end(req.commit);
        await entry.done;
        return null;
      }
      case 'dump': {
        const blob = await db.dumpDataDir('none');
        return new Uint8Array(await blob.arrayBuffer());
      }
      case 'close':
        await db.close();
        return null;
    }
  }

  port.on('message', (req: WorkerRequest) => {
    handle(req).then(
      (result) => port.postMessage({ id: req.id, ok: true, result } satisfies WorkerReply),
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: serialize(err) } satisfies WorkerReply),
    );
  });
  port.postMessage({ ready: true });
}

void main();
