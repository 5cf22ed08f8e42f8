import type { CloudEvent } from './cloud-event.ts';

/**
 * Where the outbox relay delivers events (DESIGN 3: the event-sink port). Adapters: Kafka
 * (`KAFKA_BROKERS`), Standard Webhooks (`EVENT_WEBHOOK_URLS`); without either, events stay in
 * the outbox table, readable by admins (`GET /api/admin/events`).
 *
 * Delivery is at least once: a sink may see an event again after a crash or a retry, and
 * consumers deduplicate on `id`. Events of one key arrive in the order given.
 */
export interface EventSink {
  /** Short name for logs and metrics (`kafka`, `webhook:<host>`). */
  readonly name: string;
  /** Connects; resolves once events can be delivered. */
  start(): Promise<void>;
  /**
   * Delivers events that share one key, in order.
   * @throws Error when any of them could not be delivered (the relay retries from the first
   *   one not acknowledged, with backoff).
   */
  publish(key: string, events: CloudEvent[]): Promise<void>;
  /** Flushes and disconnects. */
  stop(): Promise<void>;
}
