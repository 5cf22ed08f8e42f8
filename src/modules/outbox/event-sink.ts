import type { CloudEvent } from './cloud-event.ts';

/**
 * Where the outbox relay delivers events (DESIGN 3: the event-sink port). Adapters: Kafka
 * (`KAFKA_BROKERS`, `kafka-sink.ts`) and Standard Webhooks (`EVENT_WEBHOOK_URLS`,
 * `webhook-sink.ts`); without either, events stay in the outbox table, readable by admins
 * (`GET /api/admin/events`).
 *
 * Delivery is at least once: a sink may see an event again after a crash, a timeout or a retry,
 * and consumers deduplicate on `id`. Within a key, events arrive in the order given, and a key
 * stops at its first failure (its later events are not attempted in that round).
 */
export interface EventSink {
  /** Stable name, part of the relay's stored state (`kafka`, `webhook:<digest of the URL>`). */
  readonly name: string;
  /** For logs: no secret, no query string (`webhook hooks.example.com`). */
  readonly description: string;
  /** Connects; resolves once events can be delivered. @throws Error when the sink cannot be set up. */
  start(): Promise<void>;
  /** Delivers each key's events in order. Never throws: every failure is in the outcome of its key. */
  publish(batches: readonly KeyBatch[]): Promise<KeyOutcome[]>;
  /** Flushes and disconnects. */
  stop(): Promise<void>;
}

/** Events of one key, oldest first. */
export interface KeyBatch {
  key: string;
  events: readonly CloudEvent[];
}

/** What became of one key's batch. */
export interface KeyOutcome {
  key: string;
  /** How many of the batch's events, from the first, were delivered. */
  delivered: number;
  /** Why the next one was not; absent when all were delivered. */
  error?: SinkError;
}

/** A delivery failure. */
export interface SinkError {
  /** Without secrets. */
  message: string;
  /**
   * True when retrying cannot help (the sink refused this event: too large, rejected by a
   * webhook with a 4xx): the relay parks the key at once instead of backing off.
   */
  poison: boolean;
}

/** Turns an unknown throw into a `SinkError` (retriable unless told otherwise). */
export function sinkError(err: unknown, poison = false): SinkError {
  const message = err instanceof Error ? err.message : String(err);
  return { message: message.slice(0, 500), poison };
}
