import { AppConfigSchema, RuleSettingsSchema, type AppConfig } from './config/schema.ts';
import { readSettings, variablesOf, type Env, type EnvVariable } from './config/variables.ts';

export type {
  AppConfig,
  AuthSettings,
  DatabaseSettings,
  EventsSettings,
  InviteCodeAttemptSettings,
  JitsiSettings,
  LiveCourseSettings,
  MetricsSettings,
  RedisSettings,
  RuleSettings,
  ServerSettings,
  SignalingSettings,
  StorageSettings,
  TurnSettings,
} from './config/schema.ts';
export type { EnvVariable } from './config/variables.ts';

/** Thrown by `loadConfig` with every invalid key listed, so operators fix them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Every environment variable `loadConfig` reads, with its default and doc, in declaration order. */
export const CONFIG_VARIABLES: readonly EnvVariable[] = variablesOf(AppConfigSchema);

/** The `RULES_*` defaults as written in the environment (`RULES_JOIN_WINDOW: '5m'`): the seeds' values (DESIGN 4.5). */
export const RULE_DEFAULTS: Record<string, string> = Object.fromEntries(variablesOf(RuleSettingsSchema).map((v) => [v.key, v.default ?? '']));

/**
 * Reads and validates the configuration from an environment map (defaults to `process.env`), the
 * only reader of the environment (DESIGN 7). Durations are in ms.
 * @throws ConfigError listing every bad key: each variable's own checks, then the rules below.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const config = readSettings(AppConfigSchema, env, problems);
  problems.push(...crossChecks(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Rules spanning several variables (each variable's own bounds are declared with it in `config/schema.ts`). */
function crossChecks({ server, redis, auth, signaling, turn, events, jitsi, liveCourses, storage }: AppConfig): string[] {
  const problems: string[] = [];
  if (server.headersTimeoutMs > server.requestTimeoutMs) problems.push('HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT');
  if (server.nodeEnv === 'production' && auth.jwtSecret === null && auth.jwksUrl === null) {
    problems.push('JWT_SECRET or AUTH_JWKS_URL: one is required when NODE_ENV=production (development sign-in is refused in production)');
  }
  if (redis.url !== null && signaling.heartbeatTtlMs <= server.jobsIntervalMs) {
    // Each instance's sweep refreshes its own heartbeat keys; a shorter TTL would let survivors take live sockets for dead ones.
    problems.push('SIGNALING_HEARTBEAT_TTL: must be longer than JOBS_INTERVAL');
  }
  if (signaling.presenceTtlMs < signaling.heartbeatTtlMs) problems.push('SIGNALING_PRESENCE_TTL: must be at least SIGNALING_HEARTBEAT_TTL');
  if (turn.urls.length > 0 && turn.secret === null) problems.push('TURN_SECRET: required when TURN_URLS is set');
  if (turn.secret !== null && turn.urls.length === 0) problems.push('TURN_URLS: required when TURN_SECRET is set');
  if (events.webhookUrls.length > 0 && events.webhookSecret === null) problems.push('EVENT_WEBHOOK_SECRET: required when EVENT_WEBHOOK_URLS is set');
  if (server.nodeEnv !== 'development') {
    // Outside development events leave only encrypted (DESIGN 4.8: signed, and never over plain HTTP).
    for (const url of events.webhookUrls) if (!url.startsWith('https://')) problems.push(`EVENT_WEBHOOK_URLS: "${new URL(url).host}" must use https outside development`);
  }
  if (events.kafkaSaslMechanism !== null && (events.kafkaSaslUsername === null || events.kafkaSaslPassword === null)) {
    problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM');
  }
  if (jitsi.autoEndAfterMs > jitsi.tokenMarginMs) {
    // Tokens expire at the scheduled end + JITSI_TOKEN_MARGIN: a session live longer could no longer be (re)joined.
    problems.push('JITSI_AUTO_END_AFTER: must not be longer than JITSI_TOKEN_MARGIN');
  }
  if (liveCourses.lastReminderMs >= liveCourses.firstReminderMs) problems.push('LIVE_REMINDER_LAST: must be shorter than LIVE_REMINDER_FIRST');
  if (storage.s3Bucket !== null) {
    if (storage.s3AccessKeyId === null) problems.push('S3_ACCESS_KEY_ID: required when S3_BUCKET is set');
    if (storage.s3SecretAccessKey === null) problems.push('S3_SECRET_ACCESS_KEY: required when S3_BUCKET is set');
  } else if (storage.s3Endpoint !== null || storage.s3AccessKeyId !== null || storage.s3SecretAccessKey !== null) {
    problems.push('S3_BUCKET: required when S3_ENDPOINT or S3 keys are set (without it recordings stay in DATA_DIR/objects)');
  }
  return problems;
}
