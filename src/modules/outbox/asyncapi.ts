import { cloudEventSchema, CLOUDEVENTS_JSON, dataschemaOf, EVENT_SOURCE, type EventDefinition } from './cloud-event.ts';

/** What the document says about where events flow. */
export interface AsyncApiSettings {
  /** `KAFKA_TOPIC_PREFIX`. */
  topicPrefix: string;
  /** `KAFKA_USER_DELETED_TOPIC`. */
  userDeletedTopic: string;
  /** `KAFKA_CONSUMER_GROUP`. */
  consumerGroup: string;
  /** `KAFKA_BROKERS`, shown as the server (a placeholder when unset). */
  brokers: readonly string[];
  /** The service's version. */
  version: string;
}

/** `urn:conversation-service:session.ended:v1` → a component name AsyncAPI accepts (`[\w.\-]+`). */
function componentName(type: string): string {
  return `${type}.v1`;
}

/**
 * The AsyncAPI 3.0 document of every event this service publishes and consumes (DESIGN 4.8;
 * served at `/api/asyncapi.json`): a channel per Kafka topic, a `send` or `receive` operation per
 * channel, each message a structured CloudEvent whose `data` is the type's JSON Schema, with an
 * example. Each data schema also sits under `components.schemas` keyed by its `dataschema` URN,
 * so a consumer can look the schema of a received event up by its `dataschema` attribute.
 * Pure: built from the modules' event definitions (`ServiceModule.events` / `consumes`).
 */
export function buildAsyncApiDocument(published: readonly EventDefinition[], consumed: readonly EventDefinition[], settings: AsyncApiSettings): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const add = (def: EventDefinition, action: 'send' | 'receive', topic: string) => {
    const name = componentName(def.type);
    schemas[dataschemaOf(def.type)] = def.data;
    messages[name] = {
      name: def.type,
      title: def.type,
      summary: def.summary,
      contentType: CLOUDEVENTS_JSON,
      headers: {
        type: 'object',
        properties: {
          'content-type': { type: 'string', const: CLOUDEVENTS_JSON },
          ce_id: { type: 'string', description: 'The CloudEvent id, for deduplication without parsing the value' },
        },
      },
      payload: cloudEventSchema(def.data),
      bindings: { kafka: { key: { type: 'string', description: `The ${def.key}: order holds per key` }, bindingVersion: '0.5.0' } },
      examples: [
        {
          name: `${def.type} example`,
          headers: { 'content-type': CLOUDEVENTS_JSON, ce_id: '3f2b8c4e-9a1d-4e6f-b7c2-5d8e0a1f9b34' },
          payload: {
            specversion: '1.0',
            id: '3f2b8c4e-9a1d-4e6f-b7c2-5d8e0a1f9b34',
            source: action === 'send' ? EVENT_SOURCE : '/auth-service',
            type: def.type,
            time: '2026-12-01T18:30:00.000Z',
            subject: String(def.example[def.subjectField]),
            datacontenttype: 'application/json',
            dataschema: dataschemaOf(def.type),
            partitionkey: String(def.example[def.keyField]),
            data: def.example,
          },
        },
      ],
    };
    channels[name] = {
      address: topic,
      title: topic,
      description: def.summary,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
      bindings: { kafka: { topic, bindingVersion: '0.5.0' } },
    };
    operations[`${action}${name.replace(/[^A-Za-z0-9]/g, '')}`] = {
      action,
      channel: { $ref: `#/channels/${name}` },
      summary: action === 'send' ? `Publishes ${def.type}` : `Consumes ${def.type} (consumer group ${settings.consumerGroup})`,
      messages: [{ $ref: `#/channels/${name}/messages/${name}` }],
      ...(action === 'receive' ? { bindings: { kafka: { groupId: { type: 'string', enum: [settings.consumerGroup] }, bindingVersion: '0.5.0' } } } : {}),
    };
  };
  for (const def of published) add(def, 'send', `${settings.topicPrefix}${def.type}`);
  for (const def of consumed) add(def, 'receive', settings.userDeletedTopic);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'conversation-service events',
      version: settings.version,
      description: [
        'Every state change of conversation-service is written with its CloudEvent (1.0, structured JSON) in the same database transaction (a transactional outbox), then relayed at least once to Kafka (and to Standard Webhooks endpoints when configured).',
        'Topic = KAFKA_TOPIC_PREFIX + type; key = partitionkey; order holds per key. Consumers deduplicate on `id` (also the `ce_id` header and, for webhooks, `webhook-id`).',
        '`dataschema` is `urn:conversation-service:<type>:v<version>`, the key of the data schema under components.schemas.',
        'The service consumes `user.deleted` (structured CloudEvent with data.userId; binary mode with ce_* headers is accepted too), idempotently by event id; it can also be POSTed to /api/internal/events with the INTERNAL_EVENTS_TOKEN bearer token.',
      ].join('\n\n'),
    },
    defaultContentType: CLOUDEVENTS_JSON,
    servers: {
      kafka: {
        host: settings.brokers[0] ?? 'kafka.example.com:9092',
        protocol: 'kafka',
        description: settings.brokers.length > 0 ? 'The configured Kafka cluster (KAFKA_BROKERS)' : 'Kafka is not configured here (KAFKA_BROKERS unset)',
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
