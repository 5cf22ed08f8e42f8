import type { EventsSettings } from '../config.ts';

/**
 * The connection options every Kafka client of this service shares (`@platformatic/kafka`,
 * chosen in infra/kafka/README.md): brokers, client id, TLS, SASL (managed Kafka). Retries of the
 * client itself are kept short: the outbox relay and the consumer have their own backoff.
 */
export function kafkaConnection(settings: EventsSettings, clientIdSuffix = '') {
  const sasl =
    settings.kafkaSaslMechanism !== null
      ? { sasl: { mechanism: settings.kafkaSaslMechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: settings.kafkaSaslUsername ?? '', password: settings.kafkaSaslPassword ?? '' } }
      : {};
  return {
    clientId: `${settings.kafkaClientId}${clientIdSuffix}`,
    bootstrapBrokers: settings.kafkaBrokers,
    ...(settings.kafkaTls ? { tls: {} } : {}),
    ...sasl,
    retries: 2,
    retryDelay: 250,
    timeout: 10_000,
    connectTimeout: 5_000,
  };
}
