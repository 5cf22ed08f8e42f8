import type { Consumer, Message, MessagesStream } from '@platformatic/kafka';
import type { EventsSettings } from '../../config.ts';
import type { Logger } from '../../shared/logger.ts';
import { kafkaConnection } from '../../shared/kafka.ts';
import type { InboxService } from './inbox.service.ts';

/** How often the consumer's lag is measured (and logged when behind), ms. */
const LAG_INTERVAL_MS = 30_000;
/** Waits between attempts after a failure (database or broker down), ms: doubling up to the last. */
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000, 30_000];

type UserEventMessage = Message<string, string, string, string>;

/** What `/readyz` shows of the consumer. */
export interface ConsumerStatus {
  topic: string;
  group: string;
  /** True while a stream is open and the group joined. */
  consuming: boolean;
  /** Messages behind the latest offsets of the assigned partitions, at the last measure; null before one. */
  lag: number | null;
  lastError: string | null;
}

/**
 * The `user.deleted` consumer (DESIGN 4.8): consumer group `KAFKA_CONSUMER_GROUP` on
 * `KAFKA_USER_DELETED_TOPIC`, resuming from the group's committed offset. Each message is handed
 * to the inbox (applied once by event id, or parked) and its offset committed only after that;
 * when the inbox fails (the database is down), nothing is committed and the consumer starts over
 * from the committed offset after a backoff, so no event is lost. The lag is measured every
 * 30 s, logged when behind, and shown in `/readyz`.
 */
export class UserEventsConsumer {
  private consumer: Consumer<string, string, string, string> | null = null;
  private stream: MessagesStream<string, string, string, string> | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private readonly state: ConsumerStatus;

  constructor(
    private readonly settings: EventsSettings,
    private readonly inbox: InboxService,
    private readonly logger: Logger,
  ) {
    this.state = { topic: settings.kafkaUserDeletedTopic, group: settings.kafkaConsumerGroup, consuming: false, lag: null, lastError: null };
  }

  /** Starts consuming in the background (a broker that is down is retried, never fatal). */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    // Loaded here, not at import: a service without KAFKA_BROKERS never holds the client (issue 14).
    const { Consumer, stringDeserializers } = await import('@platformatic/kafka');
    this.consumer = new Consumer({
      ...kafkaConnection(this.settings, '-consumer'),
      groupId: this.settings.kafkaConsumerGroup,
      deserializers: stringDeserializers,
      autocommit: false, // commit after processing, never on read
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    this.consumer.on('consumer:lag', (lag: Map<string, bigint[]>) => this.onLag(lag));
    this.consumer.on('consumer:lag:error', () => undefined);
    this.loop = this.run();
  }

  /** Stops consuming: the current message finishes, the group is left (its partitions go to another instance at once). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.stream?.close().catch(() => undefined);
    await this.loop;
    this.loop = null;
    this.consumer?.stopLagMonitoring();
    await this.consumer?.close().catch(() => undefined);
    this.consumer = null;
  }

  status(): ConsumerStatus {
    return { ...this.state };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        this.stream = await this.consumer!.consume({ topics: [this.settings.kafkaUserDeletedTopic], mode: 'committed', fallbackMode: 'earliest' });
        this.state.consuming = true;
        this.consumer!.startLagMonitoring({ topics: [this.settings.kafkaUserDeletedTopic] }, LAG_INTERVAL_MS);
        for await (const message of this.stream as AsyncIterable<UserEventMessage>) {
          await this.handle(message);
          failures = 0;
          if (this.stopping) break;
        }
      } catch (err) {
        if (this.stopping) break;
        failures++;
        this.state.lastError = err instanceof Error ? err.message.slice(0, 300) : String(err);
        this.logger.error({ err, topic: this.state.topic }, 'user.deleted consumer: failed; starting over from the committed offset');
      } finally {
        this.state.consuming = false;
        this.consumer?.stopLagMonitoring();
        await this.stream?.close().catch(() => undefined);
        this.stream = null;
      }
      if (!this.stopping) await this.pause(RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)]);
    }
  }

  /** Applies one message, then commits it. @throws Error when it could not be applied (not committed). */
  private async handle(message: UserEventMessage): Promise<void> {
    await this.inbox.accept(
      { value: message.value ?? '', headers: message.headers ?? new Map() },
      { transport: 'kafka', topic: message.topic, partition: message.partition, offset: String(message.offset) },
    );
    await message.commit();
  }

  private onLag(lag: Map<string, bigint[]>): void {
    let total = 0n;
    for (const partitions of lag.values()) for (const behind of partitions) if (behind > 0n) total += behind;
    this.state.lag = Number(total);
    if (total > 0n) this.logger.info({ topic: this.state.topic, group: this.state.group, lag: this.state.lag }, 'user.deleted consumer: behind');
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
