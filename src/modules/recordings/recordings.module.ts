import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../../config.ts';
import type { ModuleContext, ServiceModule } from '../module.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { EmbeddedStorage } from './embedded-storage.ts';
import { embeddedStorageRoutes } from './embedded-storage.routes.ts';
import type { ObjectStorage } from './object-storage.ts';
import { RECORDING_EVENTS } from './recordings.events.ts';
import { recordingsRoutes } from './recordings.routes.ts';
import { RecordingsService } from './recordings.service.ts';
import { DeferredS3Storage } from './deferred-storage.ts';

/**
 * Opt-in audio recordings (seed 000 §2.4 and §5.4, DESIGN 4.7) over the object store the
 * configuration selects: an S3-compatible bucket with `S3_BUCKET`, else files under
 * `DATA_DIR/objects` served by the service through signed URLs (its own routes).
 */
export function createRecordingsModule(
  ctx: ModuleContext,
  deps: { sessions: SessionsService; outbox: OutboxService },
): ServiceModule<RecordingsService> {
  const { config } = ctx;
  const logger = ctx.logger.child({ module: 'recordings' });
  const storage = createStorage(ctx);
  const recordings = new RecordingsService({
    db: ctx.db,
    sessions: deps.sessions,
    outbox: deps.outbox,
    storage,
    clock: ctx.clock,
    logger,
    settings: {
      uploadGraceMs: config.rules.recordingUploadGraceMs,
      retentionMs: config.rules.recordingRetentionMs,
      uploadUrlTtlMs: config.storage.uploadUrlTtlMs,
      downloadUrlTtlMs: config.storage.downloadUrlTtlMs,
      handoffUrlTtlMs: config.storage.handoffUrlTtlMs,
    },
  });
  return {
    name: 'recordings',
    service: recordings,
    routes: (scope) => recordingsRoutes(scope, { recordings, clock: ctx.clock }),
    rootRoutes: storage instanceof EmbeddedStorage ? (scope) => embeddedStorageRoutes(scope, { storage, perMinute: config.server.rateLimitPerMinute }) : undefined,
    jobs: [{ name: 'recordings', run: (now) => recordings.sweep(now) }],
    start: async () => {
      recordings.start();
      if (storage instanceof EmbeddedStorage && !config.server.publicUrl) {
        logger.warn({ serviceUrl: serviceUrl(config) }, 'PUBLIC_URL is not set: session.recorded hands out recording URLs on this address; set it to the service\'s public origin');
      }
    },
    stop: async () => {
      await recordings.stop();
      if (storage instanceof DeferredS3Storage) storage.close();
    },
    eraseUser: async (tx, userId) => {
      await recordings.eraseUser(tx, userId, ctx.clock.now());
    },
    events: RECORDING_EVENTS,
  };
}

/** The store `S3_BUCKET` selects (DESIGN 3). */
function createStorage(ctx: ModuleContext): ObjectStorage {
  const { config, clock } = ctx;
  const s = config.storage;
  if (s.s3Bucket) {
    const settings = {
      endpoint: s.s3Endpoint,
      region: s.s3Region,
      bucket: s.s3Bucket,
      // Both are required with S3_BUCKET (`loadConfig` checks it).
      accessKeyId: s.s3AccessKeyId ?? '',
      secretAccessKey: s.s3SecretAccessKey ?? '',
      forcePathStyle: s.s3ForcePathStyle,
    };
    // Loaded on first use: the AWS SDK stays out of a service without S3_BUCKET (issue 14).
    return new DeferredS3Storage(async () => new (await import('./s3-storage.ts')).S3Storage(settings));
  }
  return new EmbeddedStorage({
    root: path.join(config.server.dataDir, 'objects'),
    secret: signingSecret(config),
    clock,
    publicUrl: config.server.publicUrl ? config.server.publicUrl.replace(/\/+$/, '') : null,
    serviceUrl: serviceUrl(config),
  });
}

/** The origin other services reach this one at: `PUBLIC_URL`, else `http://HOST:PORT`. */
function serviceUrl(config: AppConfig): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/\/+$/, '');
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}

/** `STORAGE_SIGNING_SECRET`, else a key generated once in `DATA_DIR/object-url-secret` (mode 600), as the development JWT secret is. */
function signingSecret(config: AppConfig): Uint8Array {
  if (config.storage.signingSecret) return new TextEncoder().encode(config.storage.signingSecret);
  const file = path.join(config.server.dataDir, 'object-url-secret');
  fs.mkdirSync(config.server.dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another instance wrote it first
    }
  }
  return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
}
