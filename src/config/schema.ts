import { Type, type Static } from 'typebox';
import { EventsSettingsSchema } from './events.ts';
import { JitsiSettingsSchema, LiveCourseSettingsSchema } from './live-courses.ts';
import { bool, duration, int, list, oneOf, optionalInt, optionalString, path, string, url, type ValueCheck } from './variables.ts';

/**
 * The configuration's sections, one `Type.Object` each, every setting declared with its
 * environment variable, default and bounds (DESIGN 4.5). `.env.example` documents each variable;
 * rules spanning several variables are in `src/config.ts`.
 */

/** Items of a URL list: `pattern` with an example for the message. */
const urlLike = (pattern: RegExp, example: string): ValueCheck => (item) => (pattern.test(item) ? null : `"${item}" is not a URL like ${example}`);

const bareOrigin: ValueCheck = (origin) => {
  try {
    return new URL(origin).origin === origin ? null : `"${origin}" is not a bare origin like https://app.example.com`;
  } catch {
    return `"${origin}" is not a valid origin`;
  }
};

/**
 * The process: where it listens, what it logs, its HTTP limits, its local state directory and its
 * sweep interval. `dataDir` is here rather than under `database` because it is used even with a
 * PostgreSQL server (the development JWT secret lives there); `jobsIntervalMs` because it is how
 * often this process schedules its sweeps, not a business rule: the domain only sees `now`.
 */
export const ServerSettingsSchema = Type.Object({
  nodeEnv: string({ key: 'NODE_ENV', default: 'development', doc: 'development or production (production refuses development sign-in)' }),
  port: int({ key: 'PORT', default: 3000, min: 0, max: 65535, doc: 'TCP port to listen on (0: any free port)' }),
  host: string({ key: 'HOST', default: '127.0.0.1', doc: 'Interface to listen on (0.0.0.0: every interface)' }),
  logLevel: oneOf({ key: 'LOG_LEVEL', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], doc: 'pino log level' }),
  allowedOrigins: list({ key: 'ALLOWED_ORIGINS', check: bareOrigin, doc: 'Browser origins allowed besides the service\'s own, e.g. https://app.example.com' }),
  rateLimitPerMinute: int({
    key: 'RATE_LIMIT_PER_MINUTE',
    default: 600,
    min: 1,
    max: 1_000_000,
    doc: 'Requests per minute per user on authenticated routes (a tenth, at least 30, per address on the others)',
  }),
  dataDir: path({ key: 'DATA_DIR', default: './data', doc: 'Embedded PostgreSQL (DATA_DIR/pglite, one process at a time) and the development JWT secret' }),
  jobsIntervalMs: duration({ key: 'JOBS_INTERVAL', default: '5s', min: '100ms', doc: 'How often the background sweeps run' }),
  headersTimeoutMs: duration({
    key: 'HTTP_HEADERS_TIMEOUT',
    default: '10s',
    min: '1s',
    max: '2m',
    doc: 'A client must send its request headers within this (a slow-headers client, slowloris, is cut)',
  }),
  requestTimeoutMs: duration({ key: 'HTTP_REQUEST_TIMEOUT', default: '30s', min: '1s', max: '10m', doc: 'A client must send its whole request (headers and body) within this' }),
  keepAliveTimeoutMs: duration({
    key: 'HTTP_KEEP_ALIVE_TIMEOUT',
    default: '5s',
    min: '1s',
    max: '10m',
    doc: 'An idle keep-alive connection is closed after this (keep it below the load balancer\'s idle timeout)',
  }),
  bodyLimitBytes: int({ key: 'HTTP_BODY_LIMIT', default: 256 * 1024, min: 1024, max: 64 * 1024 * 1024, doc: 'Largest JSON request body, bytes (routes taking uploads set their own)' }),
  shutdownDelayMs: duration({ key: 'SHUTDOWN_DELAY', default: '0s', max: '1m', doc: 'On SIGTERM, /readyz is red this long before the instance stops listening (load balancers notice)' }),
  shutdownTimeoutMs: duration({ key: 'SHUTDOWN_TIMEOUT', default: '15s', min: '1s', max: '10m', doc: 'On SIGTERM, requests in flight get this long to finish; then the process exits at once' }),
  publicUrl: url({
    key: 'PUBLIC_URL',
    protocols: ['http:', 'https:'],
    doc: 'The service\'s public origin (https://conversation.example.com), for links it hands out: calendar feeds and join links, the embedded store\'s signed URLs (unset: taken from each request, http://HOST:PORT in events)',
  }),
});

/** The database: a PostgreSQL server, or (unset) PGlite in `server.dataDir`. */
export const DatabaseSettingsSchema = Type.Object({
  url: url({ key: 'DATABASE_URL', protocols: ['postgres:', 'postgresql:'], doc: 'PostgreSQL server instead of PGlite; migrated at start' }),
  poolSize: int({ key: 'DATABASE_POOL_SIZE', default: 20, min: 1, max: 1000, doc: 'PostgreSQL connections this process opens at most' }),
  connectTimeoutMs: duration({ key: 'DATABASE_CONNECT_TIMEOUT', default: '5s', min: '100ms', max: '1m', doc: 'Give up getting a PostgreSQL connection after this (503 DATABASE_UNAVAILABLE)' }),
  statementTimeoutMs: duration({ key: 'DATABASE_STATEMENT_TIMEOUT', default: '30s', min: '100ms', max: '10m', doc: 'PostgreSQL cancels a statement running longer than this' }),
});

/** Redis, shared by every instance; unset: one instance, signaling state in process (DESIGN 4.3). */
export const RedisSettingsSchema = Type.Object({
  url: url({ key: 'REDIS_URL', protocols: ['redis:', 'rediss:'], doc: 'Redis for multi-instance signaling' }),
});

/** Access tokens of the platform's auth-service (DESIGN 4.1); neither key set: development sign-in. */
export const AuthSettingsSchema = Type.Object({
  jwtSecret: optionalString({
    key: 'JWT_SECRET',
    check: (secret) => (Buffer.byteLength(secret) < 32 ? 'must be at least 32 bytes for HS256' : null),
    doc: 'HS256 secret shared with the auth-service',
  }),
  jwksUrl: url({ key: 'AUTH_JWKS_URL', protocols: ['http:', 'https:'], doc: 'The auth-service\'s JSON Web Key Set, for RS256 tokens' }),
  jwtIssuer: optionalString({ key: 'JWT_ISSUER', doc: 'Issuer tokens must carry, when set' }),
  jwtAudience: optionalString({ key: 'JWT_AUDIENCE', doc: 'Audience tokens must carry, when set' }),
  clockToleranceMs: duration({ key: 'AUTH_CLOCK_TOLERANCE', default: '10s', max: '30s', doc: 'Leeway for the exp, nbf and iat of tokens against this server\'s clock' }),
});

/** Business-rule durations in ms; the defaults are the seeds' values (DESIGN 4.5). */
export const RuleSettingsSchema = Type.Object({
  registrationCutoffMs: duration({ key: 'RULES_REGISTRATION_CUTOFF', default: '5m', doc: 'Registration closes this long before a slot starts (seed 000 §5.1)' }),
  cancellationCutoffMs: duration({ key: 'RULES_CANCELLATION_CUTOFF', default: '15m', doc: 'Cancelling is allowed until this long before the start (seed 000 §5.1)' }),
  joinWindowMs: duration({ key: 'RULES_JOIN_WINDOW', default: '5m', doc: 'Members may open the waiting room this long before the start (seed 000 §3.2)' }),
  startGraceMs: duration({ key: 'RULES_START_GRACE', default: '5m', doc: 'Fewer than 2 connected members this long after the start cancels the session (seed 000 §5.3)' }),
  reconnectWindowMs: duration({ key: 'RULES_RECONNECT_WINDOW', default: '30s', doc: 'A dropped participant keeps its place this long (seed 000 §7.2)' }),
  heartbeatTimeoutMs: duration({ key: 'RULES_HEARTBEAT_TIMEOUT', default: '30s', doc: 'Silence after which a signaling connection counts as dropped (seed 003 AC8)' }),
  privateSessionTimeoutMs: duration({ key: 'RULES_PRIVATE_SESSION_TIMEOUT', default: '30m', doc: 'Private sessions end this long after their start (seed 002 AC7)' }),
  orphanTimeoutMs: duration({ key: 'RULES_ORPHAN_TIMEOUT', default: '5m', doc: 'Sessions nobody is connected to are cleaned up after this (seed 000 §7.2)' }),
  recordingRetentionMs: duration({ key: 'RULES_RECORDING_RETENTION', default: '30d', doc: 'Recordings are deleted this long after they end (seed 000 §2.4)' }),
  recordingUploadGraceMs: duration({
    key: 'RULES_RECORDING_UPLOAD_GRACE',
    default: '10m',
    doc: 'Uploads are accepted this long after the session ends (or a recording goes quiet); then interrupted recordings are completed from what arrived (DESIGN 4.7)',
  }),
  slotHorizonMs: duration({ key: 'RULES_SLOT_HORIZON', default: '7d', doc: 'Recurring slots are materialised this far ahead (seed 000 §5.1)' }),
  registrationReminderMs: duration({ key: 'RULES_REGISTRATION_REMINDER', default: '5m', doc: 'registration.reminder is sent this long before a slot starts (seed 000 §3.1)' }),
});

/**
 * Wrong private-session invite codes allowed before 429 (issue 3), so guessing codes is
 * impractical. Not in `rules`: these are abuse limits, not seed durations, and `rules` is handed
 * whole to every domain service.
 */
export const InviteCodeAttemptSettingsSchema = Type.Object({
  perUser: int({ key: 'INVITE_CODE_FAILURES_PER_USER', default: 10, min: 1, max: 100_000, doc: 'Wrong codes per user within windowMs' }),
  perAddress: int({ key: 'INVITE_CODE_FAILURES_PER_ADDRESS', default: 30, min: 1, max: 1_000_000, doc: 'Wrong codes per client address within windowMs' }),
  windowMs: duration({ key: 'INVITE_CODE_FAILURE_WINDOW', default: '15m', max: '1d', doc: 'Window the per-user and per-address failures are counted in' }),
  globalPerHour: int({
    key: 'INVITE_CODE_FAILURES_GLOBAL_PER_HOUR',
    default: 3,
    min: 1,
    max: 1_000_000,
    doc: 'Wrong codes per hour across every user and address: bounds what any number of accounts can guess (README)',
  }),
});

/** `Idempotency-Key` on creating POSTs (issue 13). */
export const IdempotencySettingsSchema = Type.Object({
  ttlMs: duration({ key: 'IDEMPOTENCY_KEY_TTL', default: '24h', min: '1m', max: '30d', doc: 'A key and its stored answer are kept this long after first use' }),
  waitMs: duration({ key: 'IDEMPOTENCY_WAIT', default: '10s', min: '100ms', max: '1m', doc: 'A retry waits this long for the first request with its key, then gets 409 IDEMPOTENCY_KEY_IN_USE' }),
  pendingTimeoutMs: duration({
    key: 'IDEMPOTENCY_PENDING_TIMEOUT',
    default: '1m',
    min: '1s',
    max: '1h',
    doc: 'A key still pending this long belongs to a request that died: a retry runs the request again',
  }),
});

/** Signaling hardening and scale-out (issue 4, DESIGN 4.3); the Redis settings apply with `REDIS_URL`. */
export const SignalingSettingsSchema = Type.Object({
  maxSocketsPerUser: int({
    key: 'SIGNALING_MAX_SOCKETS_PER_USER',
    default: 4,
    min: 1,
    max: 1000,
    doc: 'Sessions one user may be connected to at once, across instances; one more socket is closed 4429',
  }),
  ticketTtlMs: duration({ key: 'SIGNALING_TICKET_TTL', default: '30s', min: '1s', max: '10m', doc: 'Lifetime of a single-use ticket (POST /api/signaling/tickets)' }),
  ticketsPerMinute: int({ key: 'SIGNALING_TICKETS_PER_MINUTE', default: 60, min: 1, max: 100_000, doc: 'Tickets one user may ask for per minute' }),
  messageBurst: int({ key: 'SIGNALING_MESSAGE_BURST', default: 500, min: 10, max: 1_000_000, doc: 'Frames a connection may send in a burst before 4429' }),
  messagesPerSecond: int({ key: 'SIGNALING_MESSAGES_PER_SECOND', default: 100, min: 1, max: 1_000_000, doc: 'Frames per second refilled into a connection\'s budget' }),
  redisKeyPrefix: string({ key: 'REDIS_KEY_PREFIX', default: '', doc: 'Prepended to every Redis key and channel (empty: seed 003\'s key names)' }),
  heartbeatTtlMs: duration({ key: 'SIGNALING_HEARTBEAT_TTL', default: '45s', min: '1s', doc: 'TTL of session:heartbeat:{sessionId}:{userId} (seed 003: 45 s)' }),
  instanceTtlMs: duration({
    key: 'SIGNALING_INSTANCE_TTL',
    default: '10s',
    min: '1s',
    max: '1m',
    doc: 'TTL of an instance\'s liveness key in Redis, refreshed every third of it: once it lapses, survivors turn the instance\'s sockets into drops dated at its last refresh (issue 13)',
  }),
  presenceTtlMs: duration({ key: 'SIGNALING_PRESENCE_TTL', default: '30m', doc: 'TTL of session:ws:{sessionId} (seed 003: 1800 s), refreshed with heartbeats' }),
});

/** ICE servers handed to clients by `GET /api/ice-servers` (DESIGN 3: TURN port). */
export const TurnSettingsSchema = Type.Object({
  urls: list({
    key: 'TURN_URLS',
    check: urlLike(/^turns?:[^\s,]+$/, 'turn:turn.example.com:3478?transport=udp'),
    doc: 'turn:/turns: URLs of coturn servers sharing `secret`',
  }),
  secret: optionalString({ key: 'TURN_SECRET', doc: 'coturn\'s static-auth-secret (use-auth-secret); null without TURN' }),
  ttlMs: duration({ key: 'TURN_TTL', default: '1h', min: '1m', max: '7d', doc: 'How long issued TURN credentials stay valid' }),
  stunUrls: list({ key: 'STUN_URLS', check: urlLike(/^stuns?:[^\s,]+$/, 'stun:stun.example.com:3478'), doc: 'stun:/stuns: URLs' }),
});

/**
 * Object storage of the recordings (DESIGN 3, 4.7): an S3-compatible bucket (Cloudflare R2 in
 * production) when `S3_BUCKET` is set, else files under `DATA_DIR/objects` served by the service
 * through HMAC-signed URLs. The URL lifetimes apply to both.
 */
export const StorageSettingsSchema = Type.Object({
  s3Endpoint: url({ key: 'S3_ENDPOINT', protocols: ['http:', 'https:'], doc: 'S3 API endpoint, e.g. https://<account>.r2.cloudflarestorage.com (unset: AWS S3)' }),
  s3Region: string({ key: 'S3_REGION', default: 'auto', doc: 'Region in the signatures (R2: auto)' }),
  s3Bucket: optionalString({ key: 'S3_BUCKET', doc: 'Bucket of the recordings; unset: embedded store under DATA_DIR/objects' }),
  s3AccessKeyId: optionalString({ key: 'S3_ACCESS_KEY_ID', doc: 'Access key id (required with S3_BUCKET)' }),
  s3SecretAccessKey: optionalString({ key: 'S3_SECRET_ACCESS_KEY', doc: 'Secret access key (required with S3_BUCKET)' }),
  s3ForcePathStyle: bool({ key: 'S3_FORCE_PATH_STYLE', default: false, doc: 'Bucket in the URL path instead of the host name (S3Proxy, MinIO)' }),
  uploadUrlTtlMs: duration({ key: 'STORAGE_UPLOAD_URL_TTL', default: '10m', min: '1m', max: '15m', doc: 'Lifetime of a presigned upload URL of one recording chunk' }),
  downloadUrlTtlMs: duration({ key: 'STORAGE_DOWNLOAD_URL_TTL', default: '1h', min: '1m', max: '24h', doc: 'Lifetime of the download URLs a user gets for their own recordings' }),
  handoffUrlTtlMs: duration({
    key: 'RECORDING_HANDOFF_URL_TTL',
    default: '24h',
    min: '1h',
    max: '7d',
    doc: 'Lifetime of the download URLs in session.recorded, for the feedback service (SigV4 allows 7 days at most)',
  }),
  signingSecret: optionalString({
    key: 'STORAGE_SIGNING_SECRET',
    check: (secret) => (Buffer.byteLength(secret) < 32 ? 'must be at least 32 bytes' : null),
    doc: 'HMAC key of the embedded store\'s signed URLs (unset: generated in DATA_DIR/object-url-secret)',
  }),
});

/**
 * `GET /metrics` in Prometheus text format (issue 14). Exposed only when asked for: with
 * `METRICS_TOKEN` on the public port behind that bearer token; with `METRICS_PORT` on a listener
 * of its own (and not on the public port), behind the token too when one is set. Neither set:
 * not served at all (metrics tell load and internals; a newcomer's `npm start` publishes none).
 */
export const MetricsSettingsSchema = Type.Object({
  token: optionalString({
    key: 'METRICS_TOKEN',
    check: (token) => (token.length < 32 ? 'must be at least 32 characters' : null),
    doc: 'Bearer token a scraper must send to GET /metrics (unset and no METRICS_PORT: /metrics is not served)',
  }),
  port: optionalInt({ key: 'METRICS_PORT', min: 0, max: 65535, doc: 'Serve GET /metrics on this port of its own instead of the public one (0: any free port)' }),
  host: string({ key: 'METRICS_HOST', default: '127.0.0.1', doc: 'Interface the METRICS_PORT listener binds (0.0.0.0: every interface)' }),
});

/** Validated process configuration, by section. */
export const AppConfigSchema = Type.Object({
  server: ServerSettingsSchema,
  database: DatabaseSettingsSchema,
  redis: RedisSettingsSchema,
  auth: AuthSettingsSchema,
  rules: RuleSettingsSchema,
  inviteCodeAttempts: InviteCodeAttemptSettingsSchema,
  idempotency: IdempotencySettingsSchema,
  signaling: SignalingSettingsSchema,
  turn: TurnSettingsSchema,
  events: EventsSettingsSchema,
  jitsi: JitsiSettingsSchema,
  liveCourses: LiveCourseSettingsSchema,
  storage: StorageSettingsSchema,
  metrics: MetricsSettingsSchema,
  // One schema per concern, named for its variables (DESIGN 4.5).
});

export type ServerSettings = Static<typeof ServerSettingsSchema>;
export type DatabaseSettings = Static<typeof DatabaseSettingsSchema>;
export type RedisSettings = Static<typeof RedisSettingsSchema>;
export type AuthSettings = Static<typeof AuthSettingsSchema>;
export type RuleSettings = Static<typeof RuleSettingsSchema>;
export type InviteCodeAttemptSettings = Static<typeof InviteCodeAttemptSettingsSchema>;
export type IdempotencySettings = Static<typeof IdempotencySettingsSchema>;
export type SignalingSettings = Static<typeof SignalingSettingsSchema>;
export type TurnSettings = Static<typeof TurnSettingsSchema>;
export type EventsSettings = Static<typeof EventsSettingsSchema>;
export type JitsiSettings = Static<typeof JitsiSettingsSchema>;
export type LiveCourseSettings = Static<typeof LiveCourseSettingsSchema>;
export type StorageSettings = Static<typeof StorageSettingsSchema>;
export type MetricsSettings = Static<typeof MetricsSettingsSchema>;
export type AppConfig = Static<typeof AppConfigSchema>;
