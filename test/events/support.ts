import type { CloudEvent } from '../../src/modules/outbox/cloud-event.ts';
import type { EventSink, KeyBatch, KeyOutcome } from '../../src/modules/outbox/event-sink.ts';

/** A small seeded PRNG (mulberry32): the flaky sink's choices are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every event a sink received, in arrival order, per key (duplicates included). */
export class DeliveryLog {
  readonly byKey = new Map<string, string[]>();
  count = 0;

  add(key: string, event: CloudEvent): void {
    const list = this.byKey.get(key);
    if (list) list.push(event.id);
    else this.byKey.set(key, [event.id]);
    this.count++;
  }

  /** Distinct event ids received. */
  ids(): Set<string> {
    return new Set([...this.byKey.values()].flat());
  }
}

/**
 * A sink that misbehaves at random, as a real network and a real consumer can: per key it may
 * deliver a prefix and fail, refuse outright, hang (never answer: the relay's timeout gives up on
 * it), or deliver and then deliver some events again. Not a stand-in for Kafka: the relay's own
 * contract (order per key, at least once, nothing lost) is what the test checks.
 */
export class FlakySink implements EventSink {
  readonly description = 'flaky test sink';
  constructor(
    readonly name: string,
    readonly log: DeliveryLog,
    private readonly random: () => number,
    private readonly odds = { fail: 0.15, hang: 0.03, duplicate: 0.1 },
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  publish(batches: readonly KeyBatch[]): Promise<KeyOutcome[]> {
    if (this.random() < this.odds.hang) {
      // Delivers some, then never answers (a stuck connection): the relay must not count on them.
      for (const b of batches.slice(0, Math.floor(batches.length / 2))) for (const e of b.events) this.log.add(b.key, e);
      return new Promise(() => undefined);
    }
    return Promise.resolve(
      batches.map((b) => {
        const roll = this.random();
        if (roll < this.odds.fail) {
          const delivered = Math.floor(this.random() * b.events.length);
          for (const e of b.events.slice(0, delivered)) this.log.add(b.key, e);
          return { key: b.key, delivered, error: { message: 'random failure', poison: false } };
        }
        for (const e of b.events) this.log.add(b.key, e);
        if (roll < this.odds.fail + this.odds.duplicate) for (const e of b.events.slice(0, 1 + Math.floor(this.random() * b.events.length))) this.log.add(b.key, e);
        return { key: b.key, delivered: b.events.length };
      }),
    );
  }
}

/** A sink that delivers everything, at once. */
export class ReliableSink implements EventSink {
  readonly description = 'reliable test sink';
  constructor(
    readonly name: string,
    readonly log: DeliveryLog,
    /** Keys whose events are refused as poison. */
    readonly refuse: Set<string> = new Set(),
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async publish(batches: readonly KeyBatch[]): Promise<KeyOutcome[]> {
    return batches.map((b) => {
      if (this.refuse.has(b.key)) return { key: b.key, delivered: 0, error: { message: 'refused: this event is too large', poison: true } };
      for (const e of b.events) this.log.add(b.key, e);
      return { key: b.key, delivered: b.events.length };
    });
  }
}

/**
 * Checks that each key's events first arrived in the order they were written: after dropping
 * repeats of ids already seen, each key's arrivals are exactly its written ids, in order.
 * @returns a description of the first violation, or null.
 */
export function firstOrderViolation(written: ReadonlyMap<string, readonly string[]>, log: DeliveryLog): string | null {
  for (const [key, ids] of written) {
    const seen = new Set<string>();
    const firsts = (log.byKey.get(key) ?? []).filter((id) => (seen.has(id) ? false : (seen.add(id), true)));
    if (firsts.length !== ids.length) return `key ${key}: ${firsts.length} of ${ids.length} events arrived`;
    for (let i = 0; i < ids.length; i++) if (firsts[i] !== ids[i]) return `key ${key}: event ${i} arrived out of order`;
  }
  return null;
}
