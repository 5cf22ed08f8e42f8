/**
 * CloudEvents 1.0 JSON envelope of every event this service publishes (DESIGN 4.4, 4.8). Event
 * types are declared by the module that emits them (`sessions.events.ts`, ...); the outbox only
 * knows the envelope.
 */

/** The `source` attribute of every event this service emits. */
export const EVENT_SOURCE = '/conversation-service';

/** A CloudEvents 1.0 JSON envelope. `time` is ISO 8601 UTC. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string | null;
  datacontenttype: 'application/json';
  data: T;
}

/**
 * What a module hands the outbox: one event caused by the state change of the caller's
 * transaction. `key` orders delivery (DESIGN 4.8: the session id for `session.*`, the user id
 * for `registration.*`); `time` is when the change happened (UTC).
 */
export interface OutboxEvent<T = unknown> {
  type: string;
  subject: string;
  key: string;
  time: Date;
  data: T;
}

/** The row fields an envelope is built from. */
export interface StoredEvent {
  id: string;
  type: string;
  source: string;
  subject: string | null;
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
    subject: row.subject,
    datacontenttype: 'application/json',
    data: row.data,
  };
}
