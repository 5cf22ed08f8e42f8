import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config.ts';
import type { DatabaseHandle, Executor } from '../db/client.ts';
import type { Job } from '../jobs/job-runner.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { EventDefinition } from './outbox/cloud-event.ts';
import type { IntervalTimers } from '../shared/timers.ts';

/** Work an erasure does once its transaction committed (never inside it). */
export type AfterErasure = () => Promise<void> | void;

/** Registers a module's routes on one scope of the app (a Fastify plugin body). */
export type RouteRegistrar = (scope: FastifyInstance) => Promise<void>;

/** What every module is built from. Constructors do no work: nothing connects or starts before `start`. */
export interface ModuleContext {
  config: AppConfig;
  database: DatabaseHandle;
  /** `database.db`: the root executor. */
  db: Executor;
  clock: Clock;
  /** Intervals of the modules' own timers (real ones by default; tests tick them by hand). */
  timers?: IntervalTimers;
  logger: Logger;
}

/**
 * One feature module, as the container lists it (DESIGN 7): its service, its routes, its jobs,
 * its lifecycle and its share of a user's erasure. `app.ts` registers the routes of every module;
 * `main.ts` starts the modules in the container's order and stops them in reverse. Adding a module
 * is one folder plus one line in `container.ts`.
 */
export interface ServiceModule<S = unknown> {
  /** Short name for logs (`sessions`). */
  readonly name: string;
  /** The module's entry point, which other modules call (never its repository). */
  readonly service: S;
  /** Routes without authentication, limited per address. */
  readonly publicRoutes?: RouteRegistrar;
  /** Routes behind the bearer-token hook, limited per user. */
  readonly routes?: RouteRegistrar;
  /** Routes at the root, outside the API scopes (the signaling upgrade authenticates itself). */
  readonly rootRoutes?: RouteRegistrar;
  /** Sweeps of the shared job runner (every `JOBS_INTERVAL`), functions of `now`. */
  readonly jobs?: readonly Job[];
  /**
   * Sweeps the module runs on a timer of its own between `start` and `stop` (liveness must not
   * wait behind slow jobs). Listed so that tests with a manual clock run them with the jobs.
   */
  readonly ownSweeps?: readonly Job[];
  /** Connects, subscribes, starts timers. @throws Error when a required dependency is unreachable. */
  start?(): Promise<void>;
  /** Stops timers and closes what `start` opened; waits for work in flight. */
  stop?(): Promise<void>;
  /** What `/readyz` shows of the module (a relay's backlog, a consumer's lag); must not throw. */
  readiness?(): Promise<Record<string, unknown>>;
  /**
   * Erases what the module stores about `userId`, inside the erasure's transaction (seed 000 §6.3,
   * `user.deleted`): the user's own rows go, shared rows keep the others' data with the user's
   * identity removed. Work outside the database (closing sockets, deleting stored objects, which
   * never happens inside the transaction) is returned as a function run once the erasure committed.
   */
  eraseUser?(tx: Executor, userId: string): Promise<void | AfterErasure>;
  /** Event types the module publishes, with the JSON Schema of their `data` (DESIGN 4.8, AsyncAPI). */
  readonly events?: readonly EventDefinition[];
  /** Event types the module consumes from the platform (`user.deleted`), for the AsyncAPI document. */
  readonly consumes?: readonly EventDefinition[];
}

/**
 * Starts modules in order; if one fails, stops those already started (in reverse) and rethrows.
 * @throws the first start failure.
 */
export async function startModules(modules: readonly ServiceModule[]): Promise<void> {
  const started: ServiceModule[] = [];
  try {
    for (const m of modules) {
      await m.start?.();
      started.push(m);
    }
  } catch (err) {
    await stopModules(started).catch(() => undefined);
    throw err;
  }
}

/** Stops modules in reverse order; every module is asked even when one fails. @throws the first failure, after all stopped. */
export async function stopModules(modules: readonly ServiceModule[]): Promise<void> {
  let failure: unknown = null;
  for (const m of [...modules].reverse()) {
    try {
      await m.stop?.();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== null) throw failure;
}
