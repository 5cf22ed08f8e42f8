import type { AppConfig } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { MemorySignalingState } from './memory-state.ts';
import { RedisSignalingState } from './redis-state.ts';
import type { SignalingLogger, SignalingSessions } from './signaling.ports.ts';
import { SignalingService } from './signaling.service.ts';
import type { SignalingState } from './signaling.state.ts';
import { SignalingTickets } from './signaling.tickets.ts';

/**
 * Builds the signaling hub and its ticket issuer over the state the configuration selects:
 * Redis when `REDIS_URL` is set (several instances), in-process otherwise.
 */
export function createSignaling(deps: {
  config: Pick<AppConfig, 'redis' | 'rules' | 'signaling'>;
  sessions: SignalingSessions;
  clock: Clock;
  logger: SignalingLogger;
}): { signaling: SignalingService; tickets: SignalingTickets } {
  const { config, sessions, clock, logger } = deps;
  const settings = config.signaling;
  const state: SignalingState = config.redis.url
    ? new RedisSignalingState({
        url: config.redis.url,
        keyPrefix: settings.redisKeyPrefix,
        heartbeatTtlMs: settings.heartbeatTtlMs,
        presenceTtlMs: settings.presenceTtlMs,
        logger,
      })
    : new MemorySignalingState();
  const signaling = new SignalingService({
    sessions,
    clock,
    rules: config.rules,
    logger,
    state,
    limits: { burst: settings.messageBurst, perSecond: settings.messagesPerSecond, maxSocketsPerUser: settings.maxSocketsPerUser },
  });
  const tickets = new SignalingTickets({ state, sessions, clock, ttlMs: settings.ticketTtlMs });
  return { signaling, tickets };
}
