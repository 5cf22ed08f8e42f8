import path from 'node:path';
import { parseDuration } from './shared/duration.ts';

/** Business-rule durations in ms (DESIGN 4.5; defaults are the seeds' values). */
export interface RuleSettings {
  /** Registration closes this long before a slot starts (seed 000 §5.1: 5 min). */
  registrationCutoffMs: number;
  /** Cancelling is allowed until this long before the start (seed 000 §5.1: 15 min). */
  cancellationCutoffMs: number;
  /** Members may open the waiting room this long before the start (seed 000 §3.2: 5 min). */
  joinWindowMs: number;
  /** After the start, fewer than 2 connected members by then cancels the session (seed 000 §5.3: 5 min). */
  startGraceMs: number;
  /** A dropped participant keeps its place this long (seed 000 §7.2: 30 s). */
  reconnectWindowMs: number;
  /** Silence after which a signaling connection counts as dropped (seed 003 AC8: 30 s). */
  heartbeatTimeoutMs: number;
  /** Private sessions end this long after their start (seed 002 AC7: 30 min). */
  privateSessionTimeoutMs: number;
  /** Sessions nobody is connected to are cleaned up after this (seed 000 §7.2: 5 min). */
  orphanTimeoutMs: number;
  /** Recordings are deleted after this (seed 000 §2.4: 30 days). */
  recordingRetentionMs: number;
  /** Recurring slots are materialised this far ahead (seed 000 §5.1: 7 days). */
  slotHorizonMs: number;
}

/** Signaling hardening and scale-out (issue 4, DESIGN 4.3). */
export interface SignalingSettings {
  /** Sessions one user may be connected to at once, across instances; the extra socket is closed 4429. */
  maxSocketsPerUser: number;
  /** Lifetime of a single-use signaling ticket (`POST /api/signaling/tickets`). */
  ticketTtlMs: number;
  /** Tickets one user may ask for per minute. */
  ticketsPerMinute: number;
  /** Frames a connection may send in a burst before 4429. */
  messageBurst: number;
  /** Frames per second refilled into a connection's budget. */
  messagesPerSecond: number;
  /** With `REDIS_URL`: prepended to every Redis key and channel (empty: seed 003's key names). */
  redisKeyPrefix: string;
  /** With `REDIS_URL`: TTL of `session:heartbeat:{sessionId}:{userId}` (seed 003: 45 s). */
  heartbeatTtlMs: number;
  /** With `REDIS_URL`: TTL of `session:ws:{sessionId}` (seed 003: 1800 s), refreshed with heartbeats. */
  presenceTtlMs: number;
}

/** ICE servers handed to clients by `GET /api/ice-servers` (DESIGN 3: TURN port). */
export interface TurnSettings {
  /** `TURN_URLS`: `turn:` / `turns:` URLs of coturn servers sharing `secret`. */
  urls: string[];
  /** `TURN_SECRET`: coturn's `static-auth-secret` (`use-auth-secret`); null without TURN. */
  secret: string | null;
  /** How long issued TURN credentials stay valid. */
  ttlMs: number;
  /** `STUN_URLS`: `stun:` / `stuns:` URLs. */
  stunUrls: string[];
}

/** Validated process configuration. Only `loadConfig` reads `process.env` (DESIGN 7). */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  jwtSecret: string | null;
  authJwksUrl: string | null;
  jwtIssuer: string | null;
  jwtAudience: string | null;
  allowedOrigins: string[];
  logLevel: string;
  /** How often background sweeps run, in ms. */
  jobsIntervalMs: number;
  /** Per-user request budget per minute on authenticated routes. */
  rateLimitPerMinute: number;
  /** Failed invite-code attempts allowed per user and per address within `windowMs` (issue 3). */
  inviteCodeAttempts: { perUser: number; perAddress: number; windowMs: number };
  rules: RuleSettings;
  signaling: SignalingSettings;
  turn: TurnSettings;
}

/** Thrown by `loadConfig` with every invalid key listed, so operators fix them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const RULE_DEFAULTS: Record<string, string> = {
  RULES_REGISTRATION_CUTOFF: '5m',
  RULES_CANCELLATION_CUTOFF: '15m',
  RULES_JOIN_WINDOW: '5m',
  RULES_START_GRACE: '5m',
  RULES_RECONNECT_WINDOW: '30s',
  RULES_HEARTBEAT_TIMEOUT: '30s',
  RULES_PRIVATE_SESSION_TIMEOUT: '30m',
  RULES_ORPHAN_TIMEOUT: '5m',
  RULES_RECORDING_RETENTION: '30d',
  RULES_SLOT_HORIZON: '7d',
};

/**
 * Reads and validates the configuration from an environment map (defaults to `process.env`).
 * @throws ConfigError listing every bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const str = (key: string): string | null => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? null : v.trim();
  };
  const duration = (key: string, fallback: string): number => {
    const raw = str(key) ?? fallback;
    const ms = parseDuration(raw);
    if (ms === null) {
      problems.push(`${key}: "${raw}" is not a duration (write e.g. 90s, 5m, 30d)`);
      return parseDuration(fallback) ?? 0;
    }
    return ms;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = str(key);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key}: "${raw}" must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  };
  const url = (key: string, protocols: string[]): string | null => {
    const raw = str(key);
    if (raw === null) return null;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) problems.push(`${key}: protocol must be one of ${protocols.join(', ')}`);
    } catch {
      problems.push(`${key}: not a valid URL`);
    }
    return raw;
  };

  const nodeEnv = str('NODE_ENV') ?? 'development';
  const jwtSecret = str('JWT_SECRET');
  if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
    problems.push('JWT_SECRET: must be at least 32 bytes for HS256');
  }
  const authJwksUrl = url('AUTH_JWKS_URL', ['http:', 'https:']);
  if (nodeEnv === 'production' && jwtSecret === null && authJwksUrl === null) {
    problems.push('JWT_SECRET or AUTH_JWKS_URL: one is required when NODE_ENV=production (development sign-in is refused in production)');
  }
  const origins = (str('ALLOWED_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    try {
      if (new URL(origin).origin !== origin) problems.push(`ALLOWED_ORIGINS: "${origin}" is not a bare origin like https://app.example.com`);
    } catch {
      problems.push(`ALLOWED_ORIGINS: "${origin}" is not a valid origin`);
    }
  }
  const logLevel = str('LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL: "${logLevel}" must be one of fatal, error, warn, info, debug, trace, silent`);
  }

  // Signaling and TURN (issue 4).
  const list = (key: string, pattern: RegExp, example: string): string[] => {
    const items = (str(key) ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    for (const item of items) if (!pattern.test(item)) problems.push(`${key}: "${item}" is not a URL like ${example}`);
    return items;
  };
  const signaling: SignalingSettings = {
    maxSocketsPerUser: integer('SIGNALING_MAX_SOCKETS_PER_USER', 4, 1, 1000),
    ticketTtlMs: duration('SIGNALING_TICKET_TTL', '30s'),
    ticketsPerMinute: integer('SIGNALING_TICKETS_PER_MINUTE', 60, 1, 100_000),
    messageBurst: integer('SIGNALING_MESSAGE_BURST', 500, 10, 1_000_000),
    messagesPerSecond: integer('SIGNALING_MESSAGES_PER_SECOND', 100, 1, 1_000_000),
    redisKeyPrefix: str('REDIS_KEY_PREFIX') ?? '',
    heartbeatTtlMs: duration('SIGNALING_HEARTBEAT_TTL', '45s'),
    presenceTtlMs: duration('SIGNALING_PRESENCE_TTL', '30m'),
  };
  const turn: TurnSettings = {
    urls: list('TURN_URLS', /^turns?:[^\s,]+$/, 'turn:turn.example.com:3478?transport=udp'),
    secret: str('TURN_SECRET'),
    ttlMs: duration('TURN_TTL', '1h'),
    stunUrls: list('STUN_URLS', /^stuns?:[^\s,]+$/, 'stun:stun.example.com:3478'),
  };
  const config: AppConfig = {
    nodeEnv,
    port: integer('PORT', 3000, 0, 65535),
    host: str('HOST') ?? '127.0.0.1',
    dataDir: path.resolve(str('DATA_DIR') ?? './data'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    jwtSecret,
    authJwksUrl,
    jwtIssuer: str('JWT_ISSUER'),
    jwtAudience: str('JWT_AUDIENCE'),
    allowedOrigins: origins,
    logLevel,
    jobsIntervalMs: duration('JOBS_INTERVAL', '5s'),
    rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    inviteCodeAttempts: {
      perUser: integer('INVITE_CODE_FAILURES_PER_USER', 10, 1, 100_000),
      perAddress: integer('INVITE_CODE_FAILURES_PER_ADDRESS', 30, 1, 1_000_000),
      windowMs: duration('INVITE_CODE_FAILURE_WINDOW', '15m'),
    },
    rules: {
      registrationCutoffMs: duration('RULES_REGISTRATION_CUTOFF', RULE_DEFAULTS.RULES_REGISTRATION_CUTOFF),
      cancellationCutoffMs: duration('RULES_CANCELLATION_CUTOFF', RULE_DEFAULTS.RULES_CANCELLATION_CUTOFF),
      joinWindowMs: duration('RULES_JOIN_WINDOW', RULE_DEFAULTS.RULES_JOIN_WINDOW),
      startGraceMs: duration('RULES_START_GRACE', RULE_DEFAULTS.RULES_START_GRACE),
      reconnectWindowMs: duration('RULES_RECONNECT_WINDOW', RULE_DEFAULTS.RULES_RECONNECT_WINDOW),
      heartbeatTimeoutMs: duration('RULES_HEARTBEAT_TIMEOUT', RULE_DEFAULTS.RULES_HEARTBEAT_TIMEOUT),
      privateSessionTimeoutMs: duration('RULES_PRIVATE_SESSION_TIMEOUT', RULE_DEFAULTS.RULES_PRIVATE_SESSION_TIMEOUT),
      orphanTimeoutMs: duration('RULES_ORPHAN_TIMEOUT', RULE_DEFAULTS.RULES_ORPHAN_TIMEOUT),
      recordingRetentionMs: duration('RULES_RECORDING_RETENTION', RULE_DEFAULTS.RULES_RECORDING_RETENTION),
      slotHorizonMs: duration('RULES_SLOT_HORIZON', RULE_DEFAULTS.RULES_SLOT_HORIZON),
    },
    signaling,
    turn,
  };
  if (config.jobsIntervalMs < 100) problems.push('JOBS_INTERVAL: must be at least 100ms');
  if (config.signaling.ticketTtlMs < 1000 || config.signaling.ticketTtlMs > 10 * 60_000) problems.push('SIGNALING_TICKET_TTL: must be between 1s and 10m');
  if (config.signaling.heartbeatTtlMs < 1000) problems.push('SIGNALING_HEARTBEAT_TTL: must be at least 1s');
  if (config.redisUrl !== null && config.signaling.heartbeatTtlMs <= config.jobsIntervalMs) {
    // Each instance's sweep refreshes its own heartbeat keys; a shorter TTL would let survivors take live sockets for dead ones.
    problems.push('SIGNALING_HEARTBEAT_TTL: must be longer than JOBS_INTERVAL');
  }
  if (config.signaling.presenceTtlMs < config.signaling.heartbeatTtlMs) problems.push('SIGNALING_PRESENCE_TTL: must be at least SIGNALING_HEARTBEAT_TTL');
  if (config.turn.urls.length > 0 && config.turn.secret === null) problems.push('TURN_SECRET: required when TURN_URLS is set');
  if (config.turn.secret !== null && config.turn.urls.length === 0) problems.push('TURN_URLS: required when TURN_SECRET is set');
  if (config.turn.ttlMs < 60_000 || config.turn.ttlMs > 7 * 24 * 3_600_000) problems.push('TURN_TTL: must be between 1m and 7d');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
