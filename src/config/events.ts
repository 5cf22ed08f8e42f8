import { Type } from 'typebox';
import { bool, duration, int, list, optionalOneOf, optionalString, string, type ValueCheck } from './variables.ts';

/**
 * Events leaving the service (DESIGN 3, 4.8; issue 10): the outbox relay to Kafka and to Standard
 * Webhooks, the `user.deleted` consumer, and the outbox's retention. Without `KAFKA_BROKERS` nor
 * `EVENT_WEBHOOK_URLS` events stay in the outbox table (the admin log) and `user.deleted` arrives
 * over HTTP only.
 */

const brokerAddress: ValueCheck = (item) => (/^[^\s:,]+:\d{1,5}$/.test(item) ? null : `"${item}" is not a broker address like kafka-1.example.com:9092`);
const webhookUrl: ValueCheck = (item) => {
  try {
    const u = new URL(item);
    return u.protocol === 'https:' || u.protocol === 'http:' ? null : `"${item}" must be an http(s) URL`;
  } catch {
    return `"${item}" is not a valid URL`;
  }
};

export const EventsSettingsSchema = Type.Object({
  kafkaBrokers: list({ key: 'KAFKA_BROKERS', check: brokerAddress, doc: 'Kafka bootstrap brokers (host:port, comma-separated); set: events go to Kafka and user.deleted is consumed from it' }),
  kafkaClientId: string({ key: 'KAFKA_CLIENT_ID', default: 'conversation-service', doc: 'Kafka client id (broker logs, quotas)' }),
  kafkaTopicPrefix: string({ key: 'KAFKA_TOPIC_PREFIX', default: '', doc: 'Prepended to each event type to name its topic' }),
  kafkaUserDeletedTopic: string({ key: 'KAFKA_USER_DELETED_TOPIC', default: 'user.deleted', doc: 'Topic of the auth-service\'s user.deleted events' }),
  kafkaConsumerGroup: string({ key: 'KAFKA_CONSUMER_GROUP', default: 'conversation-service', doc: 'Consumer group of the user.deleted consumer' }),
  kafkaSaslMechanism: optionalOneOf({ key: 'KAFKA_SASL_MECHANISM', values: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], doc: 'SASL mechanism for managed Kafka; unset: no SASL' }),
  kafkaSaslUsername: optionalString({ key: 'KAFKA_SASL_USERNAME', doc: 'SASL user name' }),
  kafkaSaslPassword: optionalString({ key: 'KAFKA_SASL_PASSWORD', doc: 'SASL password (never logged)' }),
  kafkaTls: bool({ key: 'KAFKA_TLS', default: false, doc: 'Connect to the brokers over TLS (with SASL: SASL_SSL)' }),
  kafkaCreateTopics: bool({ key: 'KAFKA_CREATE_TOPICS', default: true, doc: 'Create the event topics at start when missing' }),
  kafkaTopicPartitions: int({ key: 'KAFKA_TOPIC_PARTITIONS', default: 3, min: 1, max: 1000, doc: 'Partitions of topics this service creates' }),
  kafkaTopicReplicas: int({ key: 'KAFKA_TOPIC_REPLICAS', default: 1, min: 1, max: 32, doc: 'Replication factor of topics this service creates' }),
  webhookUrls: list({ key: 'EVENT_WEBHOOK_URLS', check: webhookUrl, doc: 'Standard Webhooks endpoints that receive every event (https outside development)' }),
  webhookSecret: optionalString({
    key: 'EVENT_WEBHOOK_SECRET',
    check: (secret) => (/^whsec_[A-Za-z0-9+/=]{24,}$/.test(secret) ? null : 'must be a whsec_ secret (whsec_ then at least 24 base64 characters)'),
    doc: 'Signing secret of the webhooks (whsec_…, Standard Webhooks)',
  }),
  retentionMs: duration({ key: 'EVENTS_RETENTION', default: '7d', min: '1h', doc: 'Sent events are deleted from the outbox this long after sending' }),
  relayIntervalMs: duration({ key: 'EVENTS_RELAY_INTERVAL', default: '1s', min: '50ms', max: '1m', doc: 'How often the relay looks for unsent events' }),
  publishTimeoutMs: duration({ key: 'EVENTS_PUBLISH_TIMEOUT', default: '10s', min: '10ms', max: '5m', doc: 'A delivery round taking longer counts as failed (and is retried)' }),
  maxAttempts: int({ key: 'EVENTS_MAX_ATTEMPTS', default: 20, min: 1, max: 1000, doc: 'Failed attempts of one event before its key is parked' }),
  internalToken: optionalString({
    key: 'INTERNAL_EVENTS_TOKEN',
    check: (token) => (token.length < 32 ? 'must be at least 32 characters' : null),
    doc: 'Bearer token of POST /api/internal/events (platform services sending user.deleted over HTTP); unset: the route answers 404',
  }),
});
