import crypto from 'node:crypto';
import { realTimers } from '../../shared/timers.ts';
import type { ModuleContext, ServiceModule } from '../module.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import { chatRoutes } from './chat.routes.ts';
import { ChatStreams, KEEP_ALIVE_MS } from './chat-streams.ts';
import { jitsiHost } from './jitsi-token.ts';
import { MemoryLiveBus, type LiveBus } from './live-bus.ts';
import { LIVE_SESSION_EVENT_DEFINITIONS } from './live-courses.events.ts';
import { liveCoursesRoutes } from './live-courses.routes.ts';
import { LiveCoursesService } from './live-courses.service.ts';
import { RedisLiveBus } from './redis-live-bus.ts';
import { webhookRoutes } from './webhooks.routes.ts';

/**
 * Live courses on Jitsi Meet (seed 004, DESIGN 4.9): courses and enrolments (the course-service
 * seam), live sessions and weekly series, Jitsi rooms and tokens, attendance, the Q&A chat and its
 * live stream (Redis pub/sub with `REDIS_URL`), statistics, reminders, and the Jitsi webhooks.
 */
export function createLiveCoursesModule(ctx: ModuleContext, deps: { outbox: OutboxService }): ServiceModule<LiveCoursesService> {
  const { config, clock } = ctx;
  const logger = ctx.logger.child({ module: 'live-courses' });
  const jitsi = config.jitsi;
  // Prosody's app_secret; without one, tokens are signed with a per-process secret no Jitsi server
  // knows (a loud warning at start): a deployment that runs no live courses need not configure Jitsi.
  const secret = jitsi.appSecret ?? config.auth.jwtSecret;
  const tokenSecret = secret ?? crypto.randomBytes(32).toString('base64url');
  const bus: LiveBus = config.redis.url ? new RedisLiveBus(config.redis.url, config.signaling.redisKeyPrefix, logger) : new MemoryLiveBus();
  const live = new LiveCoursesService({
    db: ctx.db,
    outbox: deps.outbox,
    bus,
    logger,
    settings: {
      jitsi,
      live: config.liveCourses,
      heartbeatTimeoutMs: config.rules.heartbeatTimeoutMs,
      token: { appId: jitsi.appId, audience: jitsi.audience, domain: (jitsi.domain ?? jitsiHost(jitsi.url)).toLowerCase(), secret: tokenSecret, marginMs: jitsi.tokenMarginMs },
    },
  });
  const streams = new ChatStreams();
  const timers = ctx.timers ?? realTimers;
  let keepAlive: unknown = null;
  return {
    name: 'live-courses',
    service: live,
    routes: async (scope) => {
      await liveCoursesRoutes(scope, { live, clock });
      await chatRoutes(scope, { live, clock, streams });
    },
    rootRoutes: (scope) => webhookRoutes(scope, { live, clock, attendanceSecret: jitsi.attendanceWebhookSecret, recordingSecret: jitsi.recordingWebhookSecret }),
    jobs: [
      { name: 'live-reminders', run: (now) => live.sendDueReminders(now) },
      { name: 'live-silent-pages', run: (now) => live.sweepSilentPages(now) },
      { name: 'live-auto-end', run: (now) => live.endOverrunning(now) },
    ],
    async start() {
      if (!secret) logger.warn('Neither JITSI_APP_SECRET nor JWT_SECRET is set: Jitsi tokens are signed with a per-process secret that no Jitsi server accepts');
      await bus.start();
      keepAlive = timers.setInterval(() => streams.keepAlive(), KEEP_ALIVE_MS);
    },
    async stop() {
      if (keepAlive !== null) timers.clearInterval(keepAlive);
      keepAlive = null;
      streams.closeAll();
      await bus.stop();
    },
    eraseUser: (tx, userId) => live.eraseUser(tx, userId),
    events: LIVE_SESSION_EVENT_DEFINITIONS,
  };
}
