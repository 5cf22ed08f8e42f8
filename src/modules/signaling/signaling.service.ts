import type { RawData, WebSocket } from 'ws';
import type { RuleSettings } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { MemorySignalingState } from './memory-state.ts';
import { CloseCode, SignalingErrorCode, closeReason } from './signaling.errors.ts';
import { createHandlerRegistry, type HandlerContext, type HandlerRegistry } from './signaling.handlers.ts';
import type { SignalingAdmission, SignalingLogger, SignalingSessionChange, SignalingSessions } from './signaling.ports.ts';
import type { PeerView, ServerMessage } from './signaling.schemas.ts';
import type { Connection, PendingDrop, SignalingState } from './signaling.state.ts';

/** Per-connection message budget (token bucket); defaults a busy real client never meets. */
export interface SignalingLimits {
  /** Frames a client may send in a burst (ICE trickle to 7 peers stays far below). */
  burst: number;
  /** Frames per second refilled. */
  perSecond: number;
  /** What one malformed frame costs, so that a client that keeps sending garbage is cut off sooner. */
  invalidCost: number;
}

export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = { burst: 500, perSecond: 100, invalidCost: 20 };

/** How long an ended session is remembered, to turn away connections admitted just before it ended. */
const ENDED_MEMORY_MS = 10 * 60_000;

const OPEN = 1;

export interface SignalingServiceOptions {
  sessions: SignalingSessions;
  clock: Clock;
  rules: Pick<RuleSettings, 'reconnectWindowMs' | 'heartbeatTimeoutMs'>;
  logger: SignalingLogger;
  /** Presence store; in-process by default. */
  state?: SignalingState;
  limits?: SignalingLimits;
}

/** What one `sweep` did. */
export interface SweepResult {
  /** Connections silent for `heartbeatTimeoutMs` that were terminated (now drops). */
  timedOut: number;
  /** Drops whose reconnect window passed: `markLeft` and `participant-left` sent. */
  left: number;
}

/**
 * The signaling hub (DESIGN 4.3, 4.6, seed 003): accepts admitted sockets, relays WebRTC
 * offers/answers/ICE candidates between participants of the same session, broadcasts presence and
 * media state, pushes session start/end, and turns closed or silent sockets into drops that become
 * final after `reconnectWindowMs`.
 *
 * Socket events are handled synchronously against the presence state (so ordering between
 * sockets is the order of events); database writes of one participant run in event order on a
 * keyed queue without blocking the socket. All times come from the injected clock.
 */
export class SignalingService {
  private readonly sessions: SignalingSessions;
  private readonly clock: Clock;
  private readonly rules: Pick<RuleSettings, 'reconnectWindowMs' | 'heartbeatTimeoutMs'>;
  private readonly logger: SignalingLogger;
  private readonly state: SignalingState;
  private readonly limits: SignalingLimits;
  private readonly handlers: HandlerRegistry = createHandlerRegistry();
  private readonly writes = new KeyedQueue();
  private readonly ctx: HandlerContext;
  private readonly unsubscribe: () => void;
  private pingTimer: NodeJS.Timeout | null = null;
  private nextId = 1;

  constructor(options: SignalingServiceOptions) {
    this.sessions = options.sessions;
    this.clock = options.clock;
    this.rules = options.rules;
    this.logger = options.logger;
    this.state = options.state ?? new MemorySignalingState();
    this.limits = options.limits ?? DEFAULT_SIGNALING_LIMITS;
    this.ctx = {
      state: this.state,
      sessions: this.sessions,
      clock: this.clock,
      send: (conn, message) => this.send(conn, message),
      broadcast: (sessionId, message, except) => this.broadcast(sessionId, message, except),
      sendError: (conn, code, message) => this.send(conn, { type: 'error', code, message }),
      reject: (conn, message) => this.reject(conn, message),
    };
    this.unsubscribe = this.sessions.onChange((change) => this.onSessionChange(change));
  }

  /**
   * Accepts a socket whose user was admitted to the session (token and membership checked by the
   * route). The newcomer gets `participant-list`; the others get `participant-joined`, with
   * `reconnected: true` when the user comes back inside the reconnect window or replaces an open
   * connection (which is closed with 4409).
   * @returns the connection record.
   */
  connect(socket: WebSocket, admission: SignalingAdmission): Connection {
    const now = this.clock.now();
    const nowMs = now.getTime();
    const { session, participant } = admission;
    const conn: Connection = {
      id: this.nextId++,
      sessionId: session.id,
      userId: participant.userId,
      displayName: participant.displayName,
      role: participant.role,
      socket,
      micEnabled: participant.micEnabled,
      cameraEnabled: participant.cameraEnabled,
      lastSeenMs: nowMs,
      gone: false,
      tail: null,
      budget: this.limits.burst,
      budgetAtMs: nowMs,
    };
    socket.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    socket.on('pong', () => this.touch(conn));
    socket.on('close', () => this.onClose(conn));
    // `close` always follows `error`; the drop is handled there.
    socket.on('error', (err) => this.logger.debug({ err, sessionId: conn.sessionId, userId: conn.userId }, 'signaling: socket error'));

    // The session may have ended between admission and now (its sockets were already closed).
    const endedReason = this.state.endedReason(session.id) ?? (session.status === 'ended' ? 'ended' : undefined);
    if (endedReason !== undefined) {
      conn.gone = true;
      this.send(conn, { type: 'session-ended', reason: endedReason });
      socket.close(CloseCode.sessionEnded, closeReason('SESSION_ENDED'));
      return conn;
    }

    let reconnected = false;
    const drop = this.state.takeDrop(conn.sessionId, conn.userId);
    if (drop) {
      if (nowMs - drop.droppedAtMs < this.rules.reconnectWindowMs) reconnected = true;
      else void this.finalizeDrop(drop, now); // the window passed before a sweep noticed: announce the leave first
    }
    const previous = this.state.put(conn);
    if (previous) {
      reconnected = true;
      previous.gone = true;
      previous.socket.close(CloseCode.replaced, closeReason('REPLACED'));
    }

    const others: PeerView[] = [];
    for (const other of this.state.inSession(conn.sessionId)) if (other !== conn && !other.gone) others.push(peerView(other));
    this.send(conn, { type: 'participant-list', participants: others, session: { id: session.id, status: session.status, startedAt: session.startedAt, endsAt: session.endsAt } });
    this.broadcast(conn.sessionId, { type: 'participant-joined', participant: peerView(conn), ...(reconnected ? { reconnected: true as const } : {}) }, conn);

    // A replaced connection's participant is already `connected` in the database.
    if (!previous) void this.persist(conn.sessionId, conn.userId, 'markConnected', () => this.sessions.markConnected(conn.sessionId, conn.userId, now));
    this.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, reconnected, replaced: Boolean(previous) }, 'signaling: connected');
    return conn;
  }

  /**
   * Periodic sweep (job runner, every `JOBS_INTERVAL`; tests call it with a manual clock):
   * (a) connections with no sign of life (frame or pong) for `heartbeatTimeoutMs` are terminated
   * and become drops at `now`; (b) drops older than `reconnectWindowMs` become final: `markLeft`
   * (leftAt = when the drop happened) and `participant-left` with reason `disconnected`.
   * @returns counts; resolves once the resulting database writes settled.
   */
  async sweep(now: Date = this.clock.now()): Promise<SweepResult> {
    const nowMs = now.getTime();
    const writes: Promise<void>[] = [];
    const silentSince = nowMs - this.rules.heartbeatTimeoutMs;
    const silent = [...this.state.all()].filter((conn) => !conn.gone && conn.lastSeenMs <= silentSince);
    for (const conn of silent) {
      this.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, lastSeen: new Date(conn.lastSeenMs).toISOString() }, 'signaling: heartbeat timeout');
      conn.socket.terminate();
      writes.push(this.drop(conn, now));
    }
    const due = this.state.takeDropsBefore(nowMs - this.rules.reconnectWindowMs);
    for (const drop of due) writes.push(this.finalizeDrop(drop, now));
    this.state.pruneEnded(nowMs - ENDED_MEMORY_MS);
    await Promise.all(writes);
    return { timedOut: silent.length, left: due.length };
  }

  /**
   * A deliberate leave (`POST /api/sessions/{id}/leave`, already stored by the caller): the others
   * get `participant-left` with reason `left` at once, the user's socket is closed (1000), and a
   * pending drop of that user is forgotten. Nothing is written to the database here.
   */
  announceLeft(sessionId: string, userId: string): void {
    const drop = this.state.takeDrop(sessionId, userId);
    const conn = this.state.get(sessionId, userId);
    if (conn) {
      conn.gone = true;
      this.state.remove(conn);
      conn.socket.close(CloseCode.normal, closeReason('LEFT'));
    }
    if (conn || drop) this.broadcast(sessionId, { type: 'participant-left', userId, reason: 'left' });
  }

  /** True while the user has an open connection to the session on this instance. */
  isConnected(sessionId: string, userId: string): boolean {
    const conn = this.state.get(sessionId, userId);
    return conn !== undefined && !conn.gone;
  }

  /**
   * Starts WebSocket-level pings every `intervalMs` (real timer, unref'd): browsers answer them
   * even in throttled background tabs, and each pong counts as a sign of life.
   */
  startPings(intervalMs: number): void {
    this.stopPings();
    this.pingTimer = setInterval(() => {
      for (const conn of this.state.all()) {
        if (conn.gone || conn.socket.readyState !== OPEN) continue;
        try {
          conn.socket.ping();
        } catch (err) {
          this.logger.debug({ err, connectionId: conn.id }, 'signaling: ping failed');
        }
      }
    }, intervalMs);
    this.pingTimer.unref();
  }

  /**
   * Shuts down: stops pings and session-change delivery, closes every socket with 1001 and records
   * those drops. Call it before the database closes; resolves once the writes settled.
   */
  async stop(): Promise<void> {
    this.stopPings();
    this.unsubscribe();
    const now = this.clock.now();
    const writes: Promise<void>[] = [];
    for (const conn of [...this.state.all()]) {
      conn.socket.close(1001, closeReason('SERVER_SHUTDOWN'));
      writes.push(this.drop(conn, now));
    }
    await Promise.all(writes);
    await this.writes.idle();
  }

  /** Resolves once every queued presence write settled (tests, shutdown). */
  idle(): Promise<void> {
    return this.writes.idle();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    // A replaced or retired connection may still deliver frames before its close completes.
    if (conn.gone) return;
    const nowMs = this.clock.now().getTime();
    conn.lastSeenMs = nowMs;
    if (!this.charge(conn, 1, nowMs)) return;
    if (isBinary) return this.reject(conn, 'Frames must be JSON text');
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    this.run(conn, () => this.handlers.dispatch(this.ctx, conn, text));
  }

  private touch(conn: Connection): void {
    conn.lastSeenMs = this.clock.now().getTime();
  }

  /** Socket closed (by the client, the network, or us): a drop, unless already accounted for. */
  private onClose(conn: Connection): void {
    if (conn.gone) return; // replaced, timed out, left, session ended or shut down: handled there
    void this.drop(conn, this.clock.now());
  }

  /**
   * Turns a current connection into a pending drop (DESIGN 4.6: the reconnect window starts now).
   * Nothing is announced yet: the user may come back.
   */
  private drop(conn: Connection, now: Date): Promise<void> {
    conn.gone = true;
    if (!this.state.remove(conn)) return Promise.resolve();
    this.state.addDrop({ sessionId: conn.sessionId, userId: conn.userId, droppedAtMs: now.getTime() });
    this.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: dropped');
    return this.persist(conn.sessionId, conn.userId, 'markDropped', () => this.sessions.markDropped(conn.sessionId, conn.userId, now));
  }

  /** A drop whose window passed: announce `participant-left` and store the leave at the drop time. */
  private finalizeDrop(drop: PendingDrop, now: Date): Promise<void> {
    this.broadcast(drop.sessionId, { type: 'participant-left', userId: drop.userId, reason: 'disconnected' });
    this.logger.info({ sessionId: drop.sessionId, userId: drop.userId }, 'signaling: left (reconnect window passed)');
    const leftAt = new Date(drop.droppedAtMs);
    return this.persist(drop.sessionId, drop.userId, 'markLeft', () => this.sessions.markLeft(drop.sessionId, drop.userId, leftAt, now));
  }

  /** `started` → `session-started`; `ended` → `session-ended`, then every socket closed with 4410. */
  private onSessionChange(change: SignalingSessionChange): void {
    if (change.type === 'started') {
      this.broadcast(change.sessionId, { type: 'session-started', startedAt: change.startedAt });
      return;
    }
    if (change.type === 'host-changed') {
      this.broadcast(change.sessionId, { type: 'host-changed', hostUserId: change.hostUserId });
      return;
    }
    if (change.type === 'left') {
      // A deliberate leave (REST) is announced at once, without waiting for the reconnect window.
      this.announceLeft(change.sessionId, change.userId);
      return;
    }
    this.state.markEnded(change.sessionId, change.reason, this.clock.now().getTime());
    // The sessions service closed the participations when it ended the session: no drop to record.
    const conns = this.state.clearSession(change.sessionId);
    const frame = JSON.stringify({ type: 'session-ended', reason: change.reason } satisfies ServerMessage);
    for (const conn of conns) {
      conn.gone = true;
      this.sendRaw(conn, frame);
      conn.socket.close(CloseCode.sessionEnded, closeReason('SESSION_ENDED'));
    }
    if (conns.length > 0) this.logger.info({ sessionId: change.sessionId, reason: change.reason, closed: conns.length }, 'signaling: session ended');
  }

  /**
   * Runs a message task in order with the connection's earlier ones. Synchronous tasks (relays,
   * heartbeats) run at once when nothing is pending; an async task (media-state) holds back the
   * connection's later frames until it settles.
   */
  private run(conn: Connection, task: () => void | Promise<void>): void {
    if (conn.tail) {
      const next: Promise<void> = conn.tail.then(task).catch((err: unknown) => this.onTaskError(conn, err));
      this.setTail(conn, next);
      return;
    }
    let result: void | Promise<void>;
    try {
      result = task();
    } catch (err) {
      this.onTaskError(conn, err);
      return;
    }
    if (result) this.setTail(conn, result.catch((err: unknown) => this.onTaskError(conn, err)));
  }

  private setTail(conn: Connection, tail: Promise<void>): void {
    conn.tail = tail;
    void tail.then(() => {
      if (conn.tail === tail) conn.tail = null;
    });
  }

  /** A handler failed: domain errors become an `error` frame with their code; others are logged. */
  private onTaskError(conn: Connection, err: unknown): void {
    if (err instanceof AppError) {
      this.send(conn, { type: 'error', code: err.code, message: err.message });
      return;
    }
    this.logger.error({ err, sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: message handler failed');
    this.send(conn, { type: 'error', code: SignalingErrorCode.internal, message: 'The message could not be handled' });
  }

  private reject(conn: Connection, message: string): void {
    this.send(conn, { type: 'error', code: SignalingErrorCode.invalidMessage, message });
    this.charge(conn, this.limits.invalidCost - 1, this.clock.now().getTime());
  }

  /**
   * Takes `cost` from the connection's budget (token bucket refilled `perSecond`). When it runs
   * out the socket is closed with 4429 (a drop: the client may reconnect).
   * @returns false when the connection was cut off.
   */
  private charge(conn: Connection, cost: number, nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - conn.budgetAtMs);
    conn.budget = Math.min(this.limits.burst, conn.budget + (elapsedMs * this.limits.perSecond) / 1000) - cost;
    conn.budgetAtMs = nowMs;
    if (conn.budget >= 0) return true;
    if (!conn.gone) {
      this.logger.warn({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: rate limited');
      conn.socket.close(CloseCode.rateLimited, closeReason('RATE_LIMITED'));
      void this.drop(conn, new Date(nowMs));
    }
    return false;
  }

  private send(conn: Connection, message: ServerMessage): void {
    this.sendRaw(conn, JSON.stringify(message));
  }

  private sendRaw(conn: Connection, frame: string): void {
    if (conn.socket.readyState === OPEN) conn.socket.send(frame);
  }

  private broadcast(sessionId: string, message: ServerMessage, except?: Connection): void {
    let frame: string | undefined;
    for (const conn of this.state.inSession(sessionId)) {
      if (conn === except || conn.gone) continue;
      frame ??= JSON.stringify(message);
      this.sendRaw(conn, frame);
    }
  }

  /** Queues a presence write of one participant behind its earlier ones; failures are logged. */
  private persist(sessionId: string, userId: string, what: string, write: () => Promise<void>): Promise<void> {
    return this.writes.run(`${sessionId.length}:${sessionId}${userId}`, async () => {
      try {
        await write();
      } catch (err) {
        this.logger.error({ err, sessionId, userId, what }, 'signaling: presence write failed');
      }
    });
  }
}

function peerView(conn: Connection): PeerView {
  return { userId: conn.userId, displayName: conn.displayName, role: conn.role, micEnabled: conn.micEnabled, cameraEnabled: conn.cameraEnabled };
}
