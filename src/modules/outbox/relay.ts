import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { realTimers, type IntervalTimers } from '../../shared/timers.ts';
import { retryDelayMs, type BackoffSettings } from './backoff.ts';
import { toCloudEvent } from './cloud-event.ts';
import type { EventSink, KeyBatch, KeyOutcome } from './event-sink.ts';
import type { OutboxItem } from './outbox-items.repository.ts';
import { relayRepository, type KeyProgress } from './relay.repository.ts';

/** How the relay paces itself (settings `EVENTS_*`). */
export interface RelaySettings {
  /** Period of the relay's own timer, ms. */
  intervalMs: number;
  /** Events read per sink per round. */
  batchSize: number;
  /** A sink's `publish` taking longer counts as failed for every key of the round, ms. */
  publishTimeoutMs: number;
  /** Failed attempts of one event before its key is parked. */
  maxAttempts: number;
  backoff: BackoffSettings;
  /** How long a relay's lease on a sink lasts without renewal, ms (a dead instance's lapses). */
  leaseMs: number;
  /** Rounds one tick may chain while full batches keep coming (then the next tick goes on). */
  maxRoundsPerTick: number;
}

export const DEFAULT_RELAY_SETTINGS: Omit<RelaySettings, 'intervalMs' | 'publishTimeoutMs' | 'maxAttempts'> = {
  batchSize: 500,
  backoff: { baseMs: 1_000, capMs: 5 * 60_000 },
  leaseMs: 30_000,
  maxRoundsPerTick: 20,
};

/** What one round did for one sink. */
export interface SinkRound {
  sink: string;
  /** False when another instance holds the sink's lease (it relays; this one stands by). */
  leased: boolean;
  delivered: number;
  failedKeys: number;
  parkedKeys: number;
}

/**
 * The outbox relay (DESIGN 3, 4.8; issue 10): a background loop, never inside a request, that
 * delivers unsent outbox events to each configured sink and marks them published once every sink
 * has them.
 *
 * - Order per key: events go in (txId, seq) order, only from settled transactions, and a key's
 *   next event waits for the previous one (`relayRepository.pendingFor`).
 * - Failures: a key that fails backs off exponentially with jitter; a poison event (or
 *   `maxAttempts` failures) parks its key; other keys go on.
 * - Crashes: what was delivered but not yet recorded is delivered again after a restart (consumers
 *   deduplicate on `id`); nothing is marked before the sink acknowledged it.
 * - Several instances: one relay per sink holds a lease (renewed every round; a dead holder's
 *   lease lapses after `leaseMs`), so each event is delivered once in the normal case.
 */
export class OutboxRelay {
  /** This process's lease holder id. */
  readonly holder = `relay-${crypto.randomUUID()}`;
  private timer: unknown = null;
  private running: Promise<SinkRound[]> | null = null;
  private readonly sinkNames: string[];

  constructor(
    private readonly deps: {
      db: Executor;
      sinks: readonly EventSink[];
      clock: Clock;
      logger: Logger;
      settings: RelaySettings;
      timers?: IntervalTimers;
      /** Randomness of the backoff jitter, in [0, 1). */
      random?: () => number;
    },
  ) {
    this.sinkNames = deps.sinks.map((s) => s.name);
  }

  /** Connects every sink and starts the relay's timer. @throws Error when a sink cannot be set up. */
  async start(): Promise<void> {
    for (const sink of this.deps.sinks) await sink.start();
    if (this.timer !== null) return;
    this.timer = (this.deps.timers ?? realTimers).setInterval(() => {
      if (this.running) return;
      void this.runOnce().catch((err: unknown) => this.deps.logger.error({ err }, 'outbox relay: round failed'));
    }, this.deps.settings.intervalMs);
  }

  /** Stops the timer, lets a round in progress finish, gives the leases up and disconnects the sinks. */
  async stop(): Promise<void> {
    if (this.timer !== null) (this.deps.timers ?? realTimers).clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
    for (const sink of this.deps.sinks) {
      await relayRepository.releaseLease(this.deps.db, sink.name, this.holder).catch(() => undefined);
      await sink.stop().catch((err: unknown) => this.deps.logger.warn({ err, sink: sink.description }, 'outbox relay: sink did not stop cleanly'));
    }
  }

  /**
   * Delivers what is due for every sink, chaining rounds while full batches come (at most
   * `maxRoundsPerTick`). Runs never overlap: a call during a run waits for it, then runs.
   * @returns one entry per sink and round.
   */
  async runOnce(now: Date = this.deps.clock.now()): Promise<SinkRound[]> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.run(now);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  private async run(now: Date): Promise<SinkRound[]> {
    const rounds: SinkRound[] = [];
    for (const sink of this.deps.sinks) {
      for (let i = 0; i < this.deps.settings.maxRoundsPerTick; i++) {
        const round = await this.round(sink, now);
        rounds.push(round.result);
        if (!round.full) break;
      }
    }
    return rounds;
  }

  /** One round for one sink: lease, read, publish, record. */
  private async round(sink: EventSink, now: Date): Promise<{ result: SinkRound; full: boolean }> {
    const { db, settings } = this.deps;
    const result: SinkRound = { sink: sink.name, leased: false, delivered: 0, failedKeys: 0, parkedKeys: 0 };
    result.leased = await relayRepository.acquireLease(db, sink.name, this.holder, now, new Date(now.getTime() + settings.leaseMs));
    if (!result.leased) return { result, full: false };
    const rows = await relayRepository.pendingFor(db, sink.name, now, settings.batchSize);
    if (rows.length === 0) return { result, full: false };

    const batches = byKey(rows);
    const outcomes = await this.publishWithTimeout(sink, batches.map((b) => ({ key: b.key, events: b.rows.map(toCloudEvent) })));
    const failures = await relayRepository.failuresOf(
      db,
      sink.name,
      outcomes.filter((o) => o.error).map((o) => o.key),
    );
    const delivered: number[] = [];
    const progress: KeyProgress[] = batches.map((batch, i) => {
      const outcome = outcomes[i];
      const done = batch.rows.slice(0, outcome.delivered);
      delivered.push(...done.map((r) => r.seq));
      const last = done[done.length - 1];
      if (!outcome.error) return { key: batch.key, delivered: last ?? null, failure: null };
      const attempts = (failures.get(batch.key) ?? 0) + 1;
      const failed = batch.rows[outcome.delivered];
      const park = outcome.error.poison || attempts >= settings.maxAttempts;
      if (park) {
        result.parkedKeys++;
        // The key may be a user id: logged are the event's id and type, never the key.
        this.deps.logger.warn({ sink: sink.description, eventId: failed.id, type: failed.type, attempts, error: outcome.error.message }, 'outbox relay: key parked on an event that cannot be delivered');
      } else {
        result.failedKeys++;
      }
      const retryAt = park ? null : new Date(now.getTime() + retryDelayMs(attempts, settings.backoff, (this.deps.random ?? Math.random)()));
      return { key: batch.key, delivered: last ?? null, failure: { error: outcome.error.message, retryAt, parkedEventId: park ? failed.id : null } };
    });
    await db.transaction(async (tx) => {
      await relayRepository.saveProgress(tx, sink.name, progress, now);
      await relayRepository.markPublished(tx, delivered, this.sinkNames, now);
    });
    result.delivered = delivered.length;
    if (result.failedKeys > 0) this.deps.logger.info({ sink: sink.description, failedKeys: result.failedKeys, delivered: result.delivered }, 'outbox relay: some keys will be retried');
    return { result, full: rows.length === settings.batchSize };
  }

  /** The sink's outcome, or every key failed (retriable) when it takes longer than `publishTimeoutMs`. */
  private async publishWithTimeout(sink: EventSink, batches: KeyBatch[]): Promise<KeyOutcome[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<KeyOutcome[]>((resolve) => {
      timer = setTimeout(
        () => resolve(batches.map((b) => ({ key: b.key, delivered: 0, error: { message: `no answer within ${this.deps.settings.publishTimeoutMs} ms`, poison: false } }))),
        this.deps.settings.publishTimeoutMs,
      );
      timer.unref(); // a sink that never answers must not keep the process alive
    });
    const published = sink.publish(batches).then(
      (outcomes) => alignOutcomes(batches, outcomes),
      (err: unknown) => batches.map((b) => ({ key: b.key, delivered: 0, error: { message: err instanceof Error ? err.message : String(err), poison: false } })),
    );
    try {
      return await Promise.race([published, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Rows grouped by key, keys in the order of their first row, rows in order. */
function byKey(rows: readonly OutboxItem[]): { key: string; rows: OutboxItem[] }[] {
  const groups = new Map<string, OutboxItem[]>();
  for (const row of rows) {
    const group = groups.get(row.key);
    if (group) group.push(row);
    else groups.set(row.key, [row]);
  }
  return [...groups].map(([key, list]) => ({ key, rows: list }));
}

/** One outcome per batch, in the batches' order; a key the sink did not report counts as failed. */
function alignOutcomes(batches: readonly KeyBatch[], outcomes: readonly KeyOutcome[]): KeyOutcome[] {
  const byKeyOutcome = new Map(outcomes.map((o) => [o.key, o]));
  return batches.map((b) => {
    const o = byKeyOutcome.get(b.key);
    if (!o) return { key: b.key, delivered: 0, error: { message: 'the sink reported nothing for this key', poison: false } };
    const delivered = Math.max(0, Math.min(o.delivered, b.events.length));
    if (delivered === b.events.length) return { key: b.key, delivered };
    return { key: b.key, delivered, error: o.error ?? { message: 'the sink delivered only part of the key\'s events', poison: false } };
  });
}
