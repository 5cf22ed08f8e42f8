import type { ModuleContext, ServiceModule } from '../module.ts';
import { buildAsyncApiDocument } from './asyncapi.ts';
import type { EventDefinition } from './cloud-event.ts';
import type { EventSink } from './event-sink.ts';
import { asyncApiRoutes, outboxRoutes } from './outbox.routes.ts';
import { OutboxService } from './outbox.service.ts';
import { DEFAULT_RELAY_SETTINGS, OutboxRelay } from './relay.ts';
import { KafkaSink } from './sinks/kafka-sink.ts';
import { WebhookSink } from './sinks/webhook-sink.ts';

/** The service's version, shown in the AsyncAPI document. */
const VERSION = '0.2.0';

/**
 * The transactional outbox (DESIGN 3, 4.4, 4.8): other modules record events in it; the relay
 * delivers them to Kafka (`KAFKA_BROKERS`) and Standard Webhooks (`EVENT_WEBHOOK_URLS`) on a
 * timer of its own; admins read the log and the relay's parked keys; old events are pruned.
 * @param catalog every module's event definitions (known once the registry is built).
 */
export function createOutboxModule(
  ctx: ModuleContext,
  deps: { catalog: () => { published: readonly EventDefinition[]; consumed: readonly EventDefinition[] } },
): ServiceModule<OutboxService> & { relay: OutboxRelay | null } {
  const { config, clock } = ctx;
  const settings = config.events;
  const sinks: EventSink[] = [
    ...(settings.kafkaBrokers.length > 0 ? [new KafkaSink(settings, () => deps.catalog().published.map((d) => d.type))] : []),
    ...settings.webhookUrls.map((url) => new WebhookSink(url, settings.webhookSecret ?? '', clock)),
  ];
  const outbox = new OutboxService(ctx.db, settings.retentionMs, sinks.map((s) => s.name));
  const relay =
    sinks.length > 0
      ? new OutboxRelay({
          db: ctx.db,
          sinks,
          clock,
          logger: ctx.logger.child({ module: 'outbox-relay' }),
          timers: ctx.timers,
          settings: { ...DEFAULT_RELAY_SETTINGS, intervalMs: settings.relayIntervalMs, publishTimeoutMs: settings.publishTimeoutMs, maxAttempts: settings.maxAttempts },
        })
      : null;
  const document = () =>
    buildAsyncApiDocument(deps.catalog().published, deps.catalog().consumed, {
      topicPrefix: settings.kafkaTopicPrefix,
      userDeletedTopic: settings.kafkaUserDeletedTopic,
      consumerGroup: settings.kafkaConsumerGroup,
      brokers: settings.kafkaBrokers,
      version: VERSION,
    });
  return {
    name: 'outbox',
    service: outbox,
    relay,
    publicRoutes: (scope) => asyncApiRoutes(scope, { document }),
    routes: (scope) => outboxRoutes(scope, { outbox, clock }),
    jobs: [{ name: 'outbox-prune', run: (now) => outbox.prune(now) }],
    eraseUser: (tx, userId) => outbox.eraseUser(tx, userId),
    readiness: async () => ({ sinks: sinks.map((s) => s.description), ...(await outbox.backlog(clock.now()).catch(() => ({ backlog: 'unknown' }))) }),
    ...(relay ? { ownSweeps: [{ name: 'outbox-relay', run: (now: Date) => relay.runOnce(now) }], start: () => relay.start(), stop: () => relay.stop() } : {}),
  };
}
