import type { AuthService } from '../auth/auth.service.ts';
import type { SignalingMetrics } from '../../shared/metrics.ts';
import type { ModuleContext, ServiceModule } from '../module.ts';
import type { SpeakingLedger } from '../sessions/speaking-ledger.ts';
import { MemorySignalingState } from './memory-state.ts';
import { RedisSignalingState } from './redis-state.ts';
import type { SignalingSessions } from './signaling.ports.ts';
import { signalingRoutes, signalingTicketRoutes } from './signaling.routes.ts';
import { SignalingService } from './signaling.service.ts';
import type { SignalingState } from './signaling.state.ts';
import { SignalingTickets } from './signaling.tickets.ts';

/**
 * WebRTC signaling (seed 003, DESIGN 4.3): the WebSocket hub and its tickets, over the state the
 * configuration selects: Redis when `REDIS_URL` is set (several instances), in process otherwise.
 * `start` connects the state (failing loudly if Redis is down) and starts the liveness timer.
 */
export function createSignalingModule(
  ctx: ModuleContext,
  deps: { auth: AuthService; sessions: SignalingSessions; ledger: SpeakingLedger; metrics?: SignalingMetrics },
): ServiceModule<SignalingService> & { tickets: SignalingTickets } {
  const { config, clock } = ctx;
  const logger = ctx.logger.child({ module: 'signaling' });
  const settings = config.signaling;
  const state: SignalingState = config.redis.url
    ? new RedisSignalingState({
        url: config.redis.url,
        keyPrefix: settings.redisKeyPrefix,
        heartbeatTtlMs: settings.heartbeatTtlMs,
        presenceTtlMs: settings.presenceTtlMs,
        instanceTtlMs: settings.instanceTtlMs,
        nowMs: () => clock.nowMs(),
        logger,
      })
    : new MemorySignalingState();
  const signaling = new SignalingService({
    sessions: deps.sessions,
    ledger: deps.ledger,
    clock,
    rules: config.rules,
    logger,
    state,
    limits: { burst: settings.messageBurst, perSecond: settings.messagesPerSecond, maxSocketsPerUser: settings.maxSocketsPerUser },
    sweepIntervalMs: config.server.jobsIntervalMs,
    timers: ctx.timers,
    metrics: deps.metrics,
  });
  const tickets = new SignalingTickets({ state, sessions: deps.sessions, clock, ttlMs: settings.ticketTtlMs });
  return {
    name: 'signaling',
    service: signaling,
    tickets,
    routes: (scope) => signalingTicketRoutes(scope, { tickets, perMinute: settings.ticketsPerMinute }),
    rootRoutes: (scope) =>
      signalingRoutes(scope, { auth: deps.auth, sessions: deps.sessions, signaling, tickets, clock, allowedOrigins: config.server.allowedOrigins, metrics: deps.metrics }),
    ownSweeps: [{ name: 'signaling-liveness', run: (now) => signaling.sweep(now) }],
    // Nothing in the database; once the erasure committed, the user's sockets and tickets go.
    eraseUser: async (_tx, userId) => () => signaling.eraseUser(userId),
    start: () => signaling.start(),
    stop: () => signaling.stop(),
  };
}
