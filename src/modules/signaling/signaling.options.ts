import type { RuleSettings } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import type { SignalingMetrics } from '../../shared/metrics.ts';
import type { IntervalTimers } from '../../shared/timers.ts';
import type { SpeakingLedger } from '../sessions/speaking-ledger.ts';
import type { SignalingLogger, SignalingSessions } from './signaling.ports.ts';
import type { SignalingState } from './signaling.state.ts';

/** Per-connection and per-user abuse limits; defaults a busy real client never meets. */
export interface SignalingLimits {
  /** Frames a client may send in a burst (ICE trickle to 7 others stays far below). */
  burst: number;
  /** Frames per second refilled. */
  perSecond: number;
  /** What one malformed frame costs, so that a client that keeps sending garbage is cut off sooner. */
  invalidCost: number;
  /** Sessions one user may be connected to at once, across instances (`SIGNALING_MAX_SOCKETS_PER_USER`). */
  maxSocketsPerUser: number;
}

/** The defaults of `SignalingLimits` (settings `SIGNALING_*`). */
export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = { burst: 500, perSecond: 100, invalidCost: 20, maxSocketsPerUser: 4 };

/** What `SignalingService` is built from (the container passes the settings and the ports). */
export interface SignalingServiceOptions {
  sessions: SignalingSessions;
  /** The process's speaking ledger, shared with the sessions module. */
  ledger: SpeakingLedger;
  clock: Clock;
  rules: Pick<RuleSettings, 'reconnectWindowMs' | 'heartbeatTimeoutMs'>;
  logger: SignalingLogger;
  /** Shared presence and fan-out; in-process (single instance) by default. The service stops it. */
  state?: SignalingState;
  limits?: Partial<SignalingLimits>;
  /** Period of the heartbeat sweep (`JOBS_INTERVAL`, default 5 s). */
  sweepIntervalMs?: number;
  /** Timers of the liveness schedule (tests tick them by hand). */
  timers?: IntervalTimers;
  /** Relayed frames and admission outcomes (issue 14); none recorded by default. */
  metrics?: SignalingMetrics;
}
