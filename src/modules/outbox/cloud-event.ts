import { Type, type TSchema } from 'typebox';

/**
 * CloudEvents 1.0 JSON envelope of every event this service publishes (DESIGN 4.4, 4.8). Event
 * types are declared by the module that emits them (`sessions.events.ts`, ...) as
 * `EventDefinition`s; the outbox only knows the envelope.
 */

/** The `source` attribute of every event this service emits. */
export const EVENT_SOURCE = '/conversation-service';

/** The media type of a structured CloudEvent (Kafka `content-type` header, webhook bodies). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/**
 * `dataschema` of an event type (DESIGN 4.8): an absolute URI, as the CloudEvents JSON schema
 * requires, which is also the key of the type's data schema in `/api/asyncapi.json`. The version
 * changes when `data` changes incompatibly, so consumers can tell versions apart.
 */
export function dataschemaOf(type: string, version = 1): string {
  return `urn:conversation-service:${type}:v${version}`;
}

/**
 * A CloudEvents 1.0 JSON envelope. `time` is ISO 8601 UTC; `partitionkey` is the CloudEvents
 * Partitioning extension (the Kafka message key; order holds per key); `subject` is omitted when
 * there is none (the spec's schema wants a non-empty string).
 */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  dataschema: string;
  partitionkey: string;
  data: T;
}

/**
 * What a module hands the outbox: one event caused by the state change of the caller's
 * transaction. `key` orders delivery (DESIGN 4.8: the session id for `session.*`, the user id
 * for `registration.*`, the live session id for `live_session.*`); `time` is when the change
 * happened (UTC).
 */
export interface OutboxEvent<T = unknown> {
  type: string;
  subject: string;
  key: string;
  time: Date;
  data: T;
}

/**
 * An event type a module publishes (or consumes), for the AsyncAPI document and for tests that
 * check what is written against what is documented.
 */
export interface EventDefinition {
  type: string;
  /** One line: when it is emitted, and for whom (seed 000 §6.2: the consuming service). */
  summary: string;
  /** What the key (and `partitionkey`) is: `session id`, `user id`, ... */
  key: string;
  /** The field of `data` that holds the key (`sessionId`), and the one the subject is (`registrationId`). */
  keyField: string;
  subjectField: string;
  /** JSON Schema of `data`. */
  data: TSchema;
  /** A realistic `data`, valid against `data` (the document shows it). */
  example: Record<string, unknown>;
}

/** The row fields an envelope is built from. */
export interface StoredEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
  key: string;
  time: Date;
  data: unknown;
}

/** Builds the CloudEvents envelope of a stored event. */
export function toCloudEvent(row: StoredEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: row.id,
    source: row.source,
    type: row.type,
    time: row.time.toISOString(),
    ...(row.subject ? { subject: row.subject } : {}),
    datacontenttype: 'application/json',
    dataschema: dataschemaOf(row.type),
    partitionkey: row.key,
    data: row.data,
  };
}

/**
 * The JSON Schema of the envelope around `data` (admin log responses, the AsyncAPI messages):
 * the attributes of the CloudEvents JSON format this service sets.
 */
export function cloudEventSchema<D extends TSchema>(data: D) {
  return Type.Object({
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, description: 'Unique per event; consumers deduplicate on it (delivery is at least once)' }),
    source: Type.String({ minLength: 1, description: `Always ${EVENT_SOURCE}` }),
    type: Type.String({ minLength: 1, description: 'The event type, also the Kafka topic (after KAFKA_TOPIC_PREFIX)' }),
    time: Type.String({ format: 'date-time', description: 'When the change happened (UTC)' }),
    subject: Type.Optional(Type.String({ minLength: 1, description: 'What the event is about: the session, registration or live session id' })),
    datacontenttype: Type.Literal('application/json'),
    dataschema: Type.String({ format: 'uri', description: 'urn:conversation-service:<type>:v<version>' }),
    partitionkey: Type.String({ minLength: 1, description: 'The Kafka message key; order holds per key' }),
    data,
  });
}
