import crypto from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../../shared/clock.ts';
import type { Metrics } from '../../shared/metrics.ts';

/** Frame types signaling relays to one addressee (DESIGN 4.3); any other type is labelled `other`. */
export const RELAYED_FRAME_TYPES = ['offer', 'answer', 'ice-candidate'] as const;

/** Distinct admission outcomes and job names kept as labels; beyond them, `other` (cardinality stays bounded whatever callers pass). */
const MAX_OUTCOMES = 32;
const MAX_JOBS = 64;

/** HTTP methods kept as labels; any other is `OTHER`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds; requests of this service answer in ms, uploads and slow queries in seconds. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; a sweep with nothing due takes ms, a matchmaking round over many slots seconds. */
const JOB_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What the scrape-time gauges read. */
export interface MetricsSources {
  clock: Clock;
  /** Unsent outbox events and the oldest one's age at `now`, in s (`OutboxService.backlog`: one query on a partial index). */
  outboxBacklog(now: Date): Promise<{ unpublished: number; oldestAgeSeconds: number | null }>;
  /** PostgreSQL pool (`DatabaseHandle.pool`); absent on PGlite, and so are the pool gauges. */
  pool?: () => { total: number; idle: number; waiting: number };
  /** Reports a failed scrape-time read (the gauge then shows NaN, never a stale value). */
  onSourceError(what: string, err: unknown): void;
}

/**
 * A plain number the hot path increments; the counter that owns it takes the difference at scrape
 * time. prom-client's own `labels(...).inc()` builds a label hash string on every call, which a
 * relay of 30,000 frames per second should not pay.
 */
class Tally {
  count = 0;
  exported = 0;
}

/** A counter whose label values are known up front (or capped), fed by `Tally`s. */
class TalliedCounter {
  private readonly tallies = new Map<string, Tally>();
  private readonly other = new Tally();

  constructor(registry: Registry, name: string, help: string, label: string, known: readonly string[], private readonly cap: number) {
    const tallies = this.tallies;
    const other = this.other;
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        for (const [value, tally] of tallies) flush(this, label, value, tally);
        flush(this, label, 'other', other);
      },
    });
    for (const value of known) this.tallies.set(value, new Tally());
  }

  /** The tally of `value`, created while fewer than `cap` exist; `other` beyond. */
  tally(value: string): Tally {
    const found = this.tallies.get(value);
    if (found) return found;
    if (this.tallies.size >= this.cap) return this.other;
    const created = new Tally();
    this.tallies.set(value, created);
    return created;
  }
}

function flush(counter: Counter<string>, label: string, value: string, tally: Tally): void {
  // Adding 0 still creates the series: every known label value shows from the first scrape (rate() needs it).
  counter.inc({ [label]: value }, tally.count - tally.exported);
  tally.exported = tally.count;
}

/** The process metrics (`collectDefaultMetrics`): one registry per process, made on first use. */
let processRegistry: Registry | null = null;

/**
 * prom-client's default metrics (CPU, memory, heap, event-loop lag, GC, handles) describe the
 * process, not one app: they live in a registry of their own, filled once per process, because
 * `collectDefaultMetrics` starts a GC observer and an event-loop monitor that are never stopped
 * (one per built app would pile up in a test process that builds dozens).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The service's metrics (issue 14): a registry per app (several apps in one test process do not
 * collide), the instruments other modules record into through the `Metrics` ports, the gauges
 * computed at scrape time, and the bearer-token check of `GET /metrics`.
 *
 * Families (all labels bounded): `conversation_websocket_open_sockets`,
 * `conversation_signaling_relayed_frames_total{type}`, `conversation_signaling_admissions_total{outcome}`,
 * `conversation_http_request_duration_seconds{route,method,status_class}`,
 * `conversation_job_duration_seconds{job}`, `conversation_job_failures_total{job}`,
 * `conversation_outbox_unpublished_events`, `conversation_outbox_oldest_unpublished_age_seconds`,
 * `conversation_db_pool_connections_in_use|idle`, `conversation_db_pool_waiting_requests` (PostgreSQL only),
 * and prom-client's `process_*` / `nodejs_*`.
 */
export class MetricsService implements Metrics {
  /** This app's registry (not prom-client's global one). */
  readonly registry = new Registry();
  private readonly relayed: TalliedCounter;
  private readonly admissions: TalliedCounter;
  private readonly jobNames = new Set<string>();
  private readonly httpDuration: Histogram<string>;
  private readonly jobDuration: Histogram<string>;
  private readonly jobFailures: Counter<string>;
  private openSockets: () => number = () => 0;
  private readonly tokenDigest: Buffer | null;
  /** The outbox backlog of the scrape in progress (both outbox gauges show one answer). */
  private backlogRead: Promise<{ unpublished: number; oldestAgeSeconds: number | null } | null> | null = null;

  /** @param token `METRICS_TOKEN`, or null when scrapes need none (a separate port without a token). */
  constructor(
    private readonly sources: MetricsSources,
    token: string | null,
  ) {
    this.tokenDigest = token === null ? null : digest(token);
    processMetrics();
    const registers = [this.registry];
    this.relayed = new TalliedCounter(
      this.registry,
      'conversation_signaling_relayed_frames_total',
      'Signaling frames relayed to their addressee, by message type',
      'type',
      RELAYED_FRAME_TYPES,
      RELAYED_FRAME_TYPES.length,
    );
    this.admissions = new TalliedCounter(
      this.registry,
      'conversation_signaling_admissions_total',
      'Signaling connections admitted ("accepted") or refused, by close code',
      'outcome',
      ['accepted'],
      MAX_OUTCOMES,
    );
    const sockets: Gauge = new Gauge({
      name: 'conversation_websocket_open_sockets',
      help: 'WebSocket connections open on this instance',
      registers,
      collect: () => sockets.set(this.openSockets()),
    });
    this.httpDuration = new Histogram({
      name: 'conversation_http_request_duration_seconds',
      help: 'HTTP request duration until the answer, by route template, method and status class',
      labelNames: ['route', 'method', 'status_class'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'conversation_job_duration_seconds',
      help: 'Duration of background job runs (JOBS_INTERVAL sweeps), by job',
      labelNames: ['job'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.jobFailures = new Counter({ name: 'conversation_job_failures_total', help: 'Background job runs that failed, by job', labelNames: ['job'], registers });
    this.outboxGauges(registers);
    if (sources.pool) this.poolGauges(registers, sources.pool);
  }

  /** Where the open-socket count comes from (the HTTP layer owns the WebSocket server). */
  countOpenSocketsWith(source: () => number): void {
    this.openSockets = source;
  }

  frameRelayed(type: string): void {
    this.relayed.tally(type).count++;
  }

  admission(outcome: 'accepted' | number): void {
    this.admissions.tally(typeof outcome === 'number' ? String(outcome) : outcome).count++;
  }

  jobRan(job: string, seconds: number, failed: boolean): void {
    const name = this.jobNames.has(job) || this.jobNames.size < MAX_JOBS ? job : 'other';
    this.jobNames.add(name);
    this.jobDuration.observe({ job: name }, seconds);
    // The failure series of a job exists from its first run, at 0 until it fails.
    this.jobFailures.inc({ job: name }, failed ? 1 : 0);
  }

  requestServed(route: string | null, method: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe(
      { route: route ?? 'unmatched', method: METHODS.has(method) ? method : 'OTHER', status_class: `${Math.floor(statusCode / 100)}xx` },
      seconds,
    );
  }

  /** Content type of `scrape`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every family in Prometheus text format: the process's default metrics, then this app's. */
  async scrape(): Promise<string> {
    this.backlogRead = null;
    const [process, app] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${app}`;
  }

  /**
   * Whether an `Authorization` header may scrape: always when no token is configured, else
   * `Bearer <METRICS_TOKEN>` compared in constant time (SHA-256 of both sides, then
   * `timingSafeEqual`: no early exit, whatever the lengths).
   */
  authorized(authorization: string | undefined): boolean {
    if (this.tokenDigest === null) return true;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    return crypto.timingSafeEqual(digest(match ? match[1] : ''), this.tokenDigest) && match !== null;
  }

  private outboxGauges(registers: Registry[]): void {
    // One query feeds both gauges: the first to collect starts it, the other reuses its answer
    // (`scrape` forgets it before each scrape).
    const read = () => {
      this.backlogRead ??= this.sources.outboxBacklog(this.sources.clock.now()).then(
        (backlog) => backlog,
        (err: unknown) => {
          this.sources.onSourceError('outbox backlog', err);
          return null;
        },
      );
      return this.backlogRead;
    };
    const unpublished: Gauge = new Gauge({
      name: 'conversation_outbox_unpublished_events',
      help: 'Outbox events not yet delivered to every sink (0 without sinks)',
      registers,
      collect: async () => {
        const backlog = await read();
        unpublished.set(backlog ? backlog.unpublished : Number.NaN);
      },
    });
    const age: Gauge = new Gauge({
      name: 'conversation_outbox_oldest_unpublished_age_seconds',
      help: 'Age of the oldest undelivered outbox event, seconds (0 when none)',
      registers,
      collect: async () => {
        const backlog = await read();
        age.set(backlog ? (backlog.oldestAgeSeconds ?? 0) : Number.NaN);
      },
    });
  }

  private poolGauges(registers: Registry[], pool: () => { total: number; idle: number; waiting: number }): void {
    const inUse: Gauge = new Gauge({
      name: 'conversation_db_pool_connections_in_use',
      help: 'PostgreSQL pool connections checked out by a query or transaction',
      registers,
      collect: () => {
        const p = pool();
        inUse.set(p.total - p.idle);
      },
    });
    const idle: Gauge = new Gauge({ name: 'conversation_db_pool_connections_idle', help: 'PostgreSQL pool connections open and idle', registers, collect: () => idle.set(pool().idle) });
    const waiting: Gauge = new Gauge({
      name: 'conversation_db_pool_waiting_requests',
      help: 'Queries waiting for a PostgreSQL pool connection',
      registers,
      collect: () => waiting.set(pool().waiting),
    });
  }
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}
