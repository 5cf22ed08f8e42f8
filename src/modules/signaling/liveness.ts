import type { Clock } from '../../shared/clock.ts';
import { realTimers, type IntervalTimers } from '../../shared/timers.ts';
import { OPEN, type Connection } from './connection.ts';
import type { LocalConnections } from './local-connections.ts';
import { LivenessSchedule } from './liveness-schedule.ts';
import type { SignalingLogger } from './signaling.ports.ts';
import type { LostPresence, PendingDrop, PresenceStore } from './signaling.state.ts';

/** Step of the liveness timer: one slice of the pings per tick. */
export const LIVENESS_TICK_MS = 100;

/** What one heartbeat sweep did. */
export interface SweepResult {
  /** Local connections silent for `heartbeatTimeoutMs` that were terminated (now drops). */
  timedOut: number;
  /** Connections of dead instances (heartbeat key expired) that this instance turned into drops. */
  orphaned: number;
  /** Drops whose reconnect window passed: `markLeft` and `participant-left` sent. */
  left: number;
  /** Local connections whose presence another instance had taken (this one was presumed dead): closed. */
  lost: number;
}

/** What the sweep asks of the connection lifecycle. */
export interface LivenessHooks {
  /** A local connection went silent: terminated, it becomes a drop at `now`. */
  timedOut(conn: Connection, now: Date): Promise<void>;
  /** Presence of a dead instance became a drop (dated `drop.droppedAtMs`): store the participant as dropped. */
  orphaned(drop: PendingDrop, now: Date): Promise<void>;
  /** A local connection's presence is no longer its own in the shared store (`LostPresence.why`): close it. */
  presenceLost(conn: Connection, why: LostPresence['why'], now: Date): void;
  /** A drop's reconnect window passed: announce and store the leave. */
  finalize(drop: PendingDrop, now: Date): Promise<void>;
  /** Writes speaking time the write throttle held back. */
  flushSpeaking(conn: Connection, nowMs: number): void;
  /** Forgets what the lifecycle remembers only for a while (recently ended sessions). */
  prune(nowMs: number): void;
}

/**
 * Liveness of signaling connections (seed 003 AC8, DESIGN 4.3 and 4.6) on a timer of its own,
 * off the shared job runner, so that a slow matchmaking or lifecycle sweep never delays
 * heartbeat handling or the refresh of the Redis heartbeat keys:
 * - WebSocket pings, spread over `pingIntervalMs` (browsers answer them even in throttled
 *   background tabs, so a healthy client is never taken for a silent one);
 * - the heartbeat sweep every `sweepIntervalMs`: silent sockets become drops, this instance's
 *   heartbeat keys are refreshed, dead instances' connections become drops, and drops older than
 *   the reconnect window become final.
 */
export class Liveness {
  private timer: unknown = null;
  private sweeping: Promise<SweepResult> | null = null;

  constructor(
    private readonly deps: {
      local: LocalConnections;
      presence: PresenceStore;
      clock: Clock;
      logger: SignalingLogger;
      hooks: LivenessHooks;
      rules: { heartbeatTimeoutMs: number; reconnectWindowMs: number };
      /** Each connection is considered for a ping once per this interval. */
      pingIntervalMs: number;
      /** Period of the heartbeat sweep (`JOBS_INTERVAL`). */
      sweepIntervalMs: number;
      timers?: IntervalTimers;
    },
  ) {}

  /** Starts the timer (idempotent). */
  start(): void {
    if (this.timer !== null) return;
    const { clock, pingIntervalMs, sweepIntervalMs } = this.deps;
    const schedule = new LivenessSchedule(LIVENESS_TICK_MS, pingIntervalMs, sweepIntervalMs, clock.nowMs());
    const timers = this.deps.timers ?? realTimers;
    this.timer = timers.setInterval(() => {
      const { pingSlice, sweep } = schedule.next(clock.nowMs());
      this.pingSlice(pingSlice, schedule.slices, schedule.quietForMs);
      if (sweep && !this.sweeping) void this.sweep().catch((err: unknown) => this.deps.logger.error({ err }, 'signaling: heartbeat sweep failed'));
    }, Math.min(pingIntervalMs, LIVENESS_TICK_MS));
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer !== null) (this.deps.timers ?? realTimers).clearInterval(this.timer);
    this.timer = null;
    if (this.sweeping) await this.sweeping.catch(() => undefined);
  }

  /**
   * One heartbeat sweep at `now` (the timer's, or a test's manual clock). Runs never overlap: a
   * call during a sweep waits for it and runs after.
   * @returns counts; resolves once the resulting database writes settled.
   */
  async sweep(now: Date = this.deps.clock.now()): Promise<SweepResult> {
    while (this.sweeping) await this.sweeping.catch(() => undefined);
    const run = this.runSweep(now);
    this.sweeping = run;
    try {
      return await run;
    } finally {
      this.sweeping = null;
    }
  }

  /**
   * Pings the local connections of one slice (`id % slices === slice`) that sent nothing for
   * `quietForMs` (injected clock): a connection whose frames arrive is alive, and those frames
   * keep proxies' idle timers reset. Pinging a thousand sockets at once would hold the event loop
   * (one `writev` each, then a thousand pongs) and delay every relay queued behind them.
   * @returns how many were pinged.
   */
  pingSlice(slice: number, slices: number, quietForMs: number): number {
    const quietSinceMs = this.deps.clock.nowMs() - quietForMs;
    let pinged = 0;
    this.deps.local.forEach((conn) => {
      if (conn.id % slices === slice && conn.lastSeenMs <= quietSinceMs && this.ping(conn)) pinged++;
    });
    return pinged;
  }

  /** Pings every local connection now; each pong counts as a sign of life. */
  pingAll(): void {
    this.deps.local.forEach((conn) => this.ping(conn));
  }

  private async runSweep(now: Date): Promise<SweepResult> {
    const { local, presence, hooks, rules, logger } = this.deps;
    const nowMs = now.getTime();
    const writes: Promise<void>[] = [];
    const live = [...local.all()].filter((conn) => !conn.gone);
    const silent = live.filter((conn) => conn.lastSeenMs <= nowMs - rules.heartbeatTimeoutMs);
    for (const conn of silent) {
      logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, lastSeen: new Date(conn.lastSeenMs).toISOString() }, 'signaling: heartbeat timeout');
      conn.socket.terminate();
      writes.push(hooks.timedOut(conn, now));
    }
    // Speaking stretches that ended right after a write are written now.
    for (const conn of live) if (!conn.gone) hooks.flushSpeaking(conn, nowMs);

    let orphans: PendingDrop[] = [];
    let lost = 0;
    if (presence.shared) {
      const alive = live.filter((conn) => !conn.gone);
      for (const conn of alive) conn.refreshedAtMs = nowMs;
      const notOurs = await presence.refresh(alive.map((conn) => ({ sessionId: conn.sessionId, userId: conn.userId, owner: conn.owner, atMs: conn.lastSeenMs })));
      for (const { entry, why } of notOurs) {
        const conn = local.get(entry.sessionId, entry.userId);
        if (!conn || conn.gone || conn.owner !== entry.owner) continue;
        logger.warn({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, why }, 'signaling: presence no longer held by this connection: closing');
        hooks.presenceLost(conn, why, now);
        lost++;
      }
      orphans = await presence.claimOrphans(nowMs);
      for (const drop of orphans) {
        logger.warn({ sessionId: drop.sessionId, userId: drop.userId }, 'signaling: dropped (the instance holding the connection stopped answering)');
        writes.push(hooks.orphaned(drop, now));
      }
    }
    const due = await presence.takeDropsBefore(nowMs - rules.reconnectWindowMs);
    for (const drop of due) writes.push(hooks.finalize(drop, now));
    hooks.prune(nowMs);
    await presence.prune(nowMs);
    await Promise.all(writes);
    return { timedOut: silent.length, orphaned: orphans.length, left: due.length, lost };
  }

  private ping(conn: Connection): boolean {
    if (conn.gone || conn.socket.readyState !== OPEN) return false;
    try {
      conn.socket.ping();
      return true;
    } catch (err) {
      this.deps.logger.debug({ err, connectionId: conn.id }, 'signaling: ping failed');
      return false;
    }
  }
}
