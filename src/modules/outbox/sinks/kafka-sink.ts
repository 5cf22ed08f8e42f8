import type * as Kafka from '@platformatic/kafka';
import type { GenericError, Producer } from '@platformatic/kafka';
import type { EventsSettings } from '../../../config.ts';
import { kafkaConnection } from '../../../shared/kafka.ts';
import { CLOUDEVENTS_JSON } from '../cloud-event.ts';
import { sinkError, type EventSink, type KeyBatch, type KeyOutcome, type SinkError } from '../event-sink.ts';

/** The Kafka client, loaded by the first sink started: some 30 MB that a service without `KAFKA_BROKERS` never holds (issue 14). */
type KafkaClient = typeof Kafka;
let client: KafkaClient | null = null;

/** Broker refusals that no retry can fix: the event itself is refused (too large, malformed record). */
const POISON_API_IDS = ['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION'];

/**
 * Kafka as an event sink (DESIGN 4.8): topic = `KAFKA_TOPIC_PREFIX` + type, key = the event's key,
 * value = the structured CloudEvent JSON, headers `content-type: application/cloudevents+json` and
 * `ce_id`. An idempotent producer with acks = all in-sync replicas, so a retried send is not
 * duplicated by the broker and an acknowledged event survives a broker failover. A round's events
 * go in one send; if it fails, each key is sent on its own, so a poison event stops only its key.
 */
export class KafkaSink implements EventSink {
  readonly name = 'kafka';
  readonly description: string;
  private producer: Producer<string, string, string, string> | null = null;
  /** Topics are created before the first delivery (not at start: a broker that is down must not stop the service). */
  private topicsReady = false;

  /** @param eventTypes the types this service publishes (their topics are created when `kafkaCreateTopics`). */
  constructor(
    private readonly settings: EventsSettings,
    private readonly eventTypes: () => readonly string[],
  ) {
    this.description = `kafka ${settings.kafkaBrokers.join(',')}`;
  }

  async start(): Promise<void> {
    this.topicsReady = !this.settings.kafkaCreateTopics;
    client ??= await import('@platformatic/kafka');
    const { Producer, ProduceAcks, stringSerializers } = client;
    this.producer = new Producer({
      ...kafkaConnection(this.settings, '-producer'),
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
    });
  }

  async publish(batches: readonly KeyBatch[]): Promise<KeyOutcome[]> {
    const producer = this.producer;
    if (!producer) return batches.map((b) => ({ key: b.key, delivered: 0, error: { message: 'the Kafka sink is not started', poison: false } }));
    if (!this.topicsReady) {
      try {
        await this.createTopics();
        this.topicsReady = true;
      } catch (err) {
        const error = sinkError(err);
        return batches.map((b) => ({ key: b.key, delivered: 0, error: { ...error, message: `creating the topics: ${error.message}` } }));
      }
    }
    try {
      await producer.send({ messages: batches.flatMap((b) => this.messages(b)) });
      return batches.map((b) => ({ key: b.key, delivered: b.events.length }));
    } catch {
      // Which messages of a failed send made it is unknown: each key again on its own (at least once).
      const outcomes: KeyOutcome[] = [];
      for (const batch of batches) {
        try {
          await producer.send({ messages: this.messages(batch) });
          outcomes.push({ key: batch.key, delivered: batch.events.length });
        } catch (err) {
          outcomes.push({ key: batch.key, delivered: 0, error: classify(err) });
        }
      }
      return outcomes;
    }
  }

  async stop(): Promise<void> {
    await this.producer?.close();
    this.producer = null;
  }

  private messages(batch: KeyBatch) {
    return batch.events.map((event) => ({
      topic: `${this.settings.kafkaTopicPrefix}${event.type}`,
      key: batch.key,
      value: JSON.stringify(event),
      headers: { 'content-type': CLOUDEVENTS_JSON, ce_id: event.id },
    }));
  }

  /** Creates the missing event topics (`KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICAS`). */
  private async createTopics(): Promise<void> {
    const { Admin, MultipleErrors } = client!;
    const admin = new Admin(kafkaConnection(this.settings, '-admin'));
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [...new Set(this.eventTypes().map((type) => `${this.settings.kafkaTopicPrefix}${type}`))].filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      try {
        await admin.createTopics({ topics: missing, partitions: this.settings.kafkaTopicPartitions, replicas: this.settings.kafkaTopicReplicas });
      } catch (err) {
        // Another instance created them meanwhile.
        if (!(err instanceof MultipleErrors && err.errors.every((e) => (e as GenericError).findBy?.('apiId', 'TOPIC_ALREADY_EXISTS')))) throw err;
      }
    } finally {
      await admin.close();
    }
  }
}

/** A send's failure: poison when the broker refused the record itself or the client could not encode it. */
function classify(err: unknown): SinkError {
  const { GenericError, UserError } = client!;
  if (err instanceof UserError) return sinkError(err, true);
  if (err instanceof Error && GenericError.isGenericError(err)) {
    const g = err as GenericError;
    if (POISON_API_IDS.some((apiId) => g.findBy('apiId', apiId))) return sinkError(err, true);
  }
  return sinkError(err);
}
