import { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.ts';
import { LocalListeners, type LiveBus, type LiveBusMessage } from './live-bus.ts';

/**
 * `LiveBus` over Redis pub/sub (`REDIS_URL`): channel `{REDIS_KEY_PREFIX}live:session:{sessionId}`
 * per live session. An instance subscribes to a session's channel while one of its chat streams
 * listens, and delivers only what comes back from Redis (its own messages included), so that
 * every instance sees one order, Redis's. One connection publishes, another subscribes (a
 * subscribed Redis connection can do nothing else).
 */
export class RedisLiveBus implements LiveBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners = new LocalListeners();

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    const options = { maxRetriesPerRequest: 3, lazyConnect: true, connectionName: 'live-courses' };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, options);
    for (const client of [this.pub, this.sub]) client.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'live-courses: redis error'));
  }

  private channel(sessionId: string): string {
    return `${this.keyPrefix}live:session:${sessionId}`;
  }

  async start(): Promise<void> {
    this.sub.on('message', (_channel: string, payload: string) => {
      try {
        this.listeners.deliver(JSON.parse(payload) as LiveBusMessage);
      } catch (err) {
        this.logger.error({ err }, 'live-courses: undecodable bus message');
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('Redis did not answer within 10000 ms (REDIS_URL)')), 10_000)));
    try {
      await Promise.race([Promise.all([this.pub.connect(), this.sub.connect()]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    for (const client of [this.pub, this.sub]) {
      await Promise.race([client.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
      client.disconnect(false);
    }
  }

  async publish(message: LiveBusMessage): Promise<void> {
    await this.pub.publish(this.channel(message.sessionId), JSON.stringify(message));
  }

  async subscribe(sessionId: string, listener: (message: LiveBusMessage) => void): Promise<() => void> {
    const { first, remove } = this.listeners.add(sessionId, listener);
    if (first) await this.sub.subscribe(this.channel(sessionId));
    return () => {
      if (remove()) void this.sub.unsubscribe(this.channel(sessionId)).catch(() => undefined);
    };
  }
}
