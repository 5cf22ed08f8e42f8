import type { RawData, WebSocket } from 'ws';
import type { RuleSettings } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { noMetrics, type SignalingMetrics } from '../../shared/metrics.ts';
import { OPEN, newConnection, participantView, runInOrder, setTail, type Connection, type SignalingTransport } from './connection.ts';
import { Departures } from './departures.ts';
import { FanOut } from './fan-out.ts';
import { FrameWriter } from './frame-writer.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { Liveness, type SweepResult } from './liveness.ts';
import { LocalConnections } from './local-connections.ts';
import { charge } from './message-budget.ts';
import { MemorySignalingState } from './memory-state.ts';
import { SessionChanges } from './session-changes.ts';
import { CloseCode, SignalingErrorCode, closeReason } from './signaling.errors.ts';
import { createHandlerRegistry, type HandlerContext } from './signaling.handlers.ts';
import type { SignalingAdmission, SignalingLogger, SignalingSessions } from './signaling.ports.ts';
import { instanceOf, type SignalingState } from './signaling.state.ts';
import { SpeakingTracker } from './speaking-tracker.ts';

export type { SweepResult } from './liveness.ts';
import { DEFAULT_SIGNALING_LIMITS, type SignalingLimits, type SignalingServiceOptions } from './signaling.options.ts';

export { DEFAULT_SIGNALING_LIMITS, type SignalingLimits, type SignalingServiceOptions } from './signaling.options.ts';

/**
 * The signaling hub's connection lifecycle (DESIGN 4.3, 4.6, 5, seed 003): admit a socket into
 * presence, take its frames, and turn closed, silent or replaced sockets into drops or retire
 * them. The other seams live in their own files: the connection record (`connection.ts`), how
 * participants go away (`departures.ts`), the
 * frame writer (`frame-writer.ts`), relay and broadcast (`fan-out.ts`), the message budget
 * (`message-budget.ts`), speaking (`speaking-tracker.ts`), liveness on its own timer
 * (`liveness.ts`), and changes across instances (`session-changes.ts`).
 *
 * Sockets stay on the instance that accepted them (`LocalConnections`, synchronous: a relay
 * between two local sockets never waits). Presence, drops and tickets live behind the
 * `SignalingState` ports (in process, or Redis for several instances). Database writes of one
 * participant run in event order on a keyed queue without blocking the socket. Nothing starts
 * before `start`; all times come from the injected clock.
 */
export class SignalingService {
  /** The shared state (exposed for operations and tests). */
  readonly state: SignalingState;
  private readonly sessions: SignalingSessions;
  private readonly clock: Clock;
  private readonly rules: Pick<RuleSettings, 'reconnectWindowMs' | 'heartbeatTimeoutMs'>;
  private readonly logger: SignalingLogger;
  private readonly limits: SignalingLimits;
  private readonly local = new LocalConnections();
  private readonly handlers = createHandlerRegistry();
  private readonly writes = new KeyedQueue();
  private readonly writer = new FrameWriter();
  private readonly fanOut: FanOut;
  private readonly speaking: SpeakingTracker;
  private readonly departures: Departures;
  private readonly changes: SessionChanges;
  private readonly liveness: Liveness;
  private readonly metrics: SignalingMetrics;
  private readonly ctx: HandlerContext;
  private started: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private nextId = 1;

  constructor(options: SignalingServiceOptions) {
    this.sessions = options.sessions;
    this.clock = options.clock;
    this.rules = options.rules;
    this.logger = options.logger;
    this.state = options.state ?? new MemorySignalingState();
    this.limits = { ...DEFAULT_SIGNALING_LIMITS, ...options.limits };
    this.metrics = options.metrics ?? noMetrics;
    this.fanOut = new FanOut(this.local, this.state, this.state, this.writer, this.logger, this.metrics);
    this.speaking = new SpeakingTracker(options.ledger, (conn, ms, nowMs) => {
      const now = new Date(nowMs);
      return this.departures.persist(conn.sessionId, conn.userId, 'addSpeakingTime', () => this.sessions.addSpeakingTime(conn.sessionId, conn.userId, ms / 1000, now));
    });
    this.departures = new Departures({
      local: this.local,
      state: this.state,
      sessions: this.sessions,
      speaking: this.speaking,
      fanOut: this.fanOut,
      writes: this.writes,
      clock: this.clock,
      logger: this.logger,
    });
    this.changes = new SessionChanges({
      local: this.local,
      presence: this.state,
      bus: this.state,
      fanOut: this.fanOut,
      writer: this.writer,
      speaking: this.speaking,
      clock: this.clock,
      logger: this.logger,
      departures: this.departures,
      updatePresence: (conn) => this.updatePresence(conn),
    });
    this.liveness = new Liveness({
      local: this.local,
      presence: this.state,
      clock: this.clock,
      logger: this.logger,
      rules: this.rules,
      pingIntervalMs: Math.max(5_000, Math.floor(this.rules.heartbeatTimeoutMs / 3)),
      sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
      timers: options.timers,
      hooks: {
        timedOut: (conn, now) => this.departures.drop(conn, now),
        orphaned: (drop, now) => this.departures.orphaned(drop, now),
        presenceLost: (conn, why, now) => this.departures.lost(conn, why, now),
        finalize: (drop, now) => this.departures.finalize(drop, now),
        flushSpeaking: (conn, nowMs) => this.speaking.flush(conn, nowMs),
        prune: (nowMs) => this.changes.prune(nowMs),
      },
    });
    this.ctx = {
      sessions: this.sessions,
      clock: this.clock,
      send: (conn, message) => this.writer.send(conn, message),
      broadcast: (sessionId, message, exceptUserId) => this.fanOut.broadcast(sessionId, message, exceptUserId),
      relay: (conn, toUserId, message) => this.fanOut.relay(conn, toUserId, message),
      updatePresence: (conn) => this.updatePresence(conn),
      heartbeat: (conn) => this.noteLife(conn),
      setSpeaking: (conn, speaking) => this.speaking.set(conn, speaking, this.clock.nowMs()),
      sendError: (conn, code, message) => this.writer.send(conn, { type: 'error', code, message }),
      reject: (conn, message) => this.reject(conn, message),
    };
  }

  /**
   * Subscribes to committed session changes, connects the shared state (with `REDIS_URL`, this
   * instance then hears the others) and starts the liveness timer. Idempotent.
   * @throws Error when the shared state cannot be reached (start-up fails loudly).
   */
  start(): Promise<void> {
    if (!this.started) {
      this.unsubscribe = this.sessions.onChange((change) => this.changes.onLocalChange(change));
      this.started = this.state.start((message) => this.changes.onClusterMessage(message)).then(() => this.liveness.start());
    }
    return this.started;
  }

  /**
   * Accepts a socket whose user was admitted to the session (token and membership checked by the
   * route). Once its presence is claimed, the newcomer gets `participant-list` (everyone connected,
   * on any instance) and the others get `participant-joined`, with `reconnected: true` when the
   * user comes back inside the reconnect window or replaces an open connection (closed with 4409,
   * wherever it is). Frames the client sends meanwhile wait. Refusals: 4410 session ended, 4429
   * `TOO_MANY_CONNECTIONS` (per-user cap), 1013 shared state unavailable.
   * @param transport the socket's byte stream (`request.socket` of the upgrade): frames sent to
   *   it in one event-loop turn then leave in one `writev`; without it, one write per frame.
   * @returns the connection record, once joined or refused.
   */
  connect(socket: WebSocket, admission: SignalingAdmission, transport: SignalingTransport | null = null): Promise<Connection> {
    const now = this.clock.now();
    const conn = newConnection({ id: this.nextId++, instanceId: this.state.instanceId }, socket, transport, admission, this.limits, now.getTime());
    socket.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    socket.on('pong', () => this.noteLife(conn));
    socket.on('close', () => this.onClose(conn));
    // `close` always follows `error`; the drop is handled there.
    socket.on('error', (err) => this.logger.debug({ err, sessionId: conn.sessionId, userId: conn.userId }, 'signaling: socket error'));

    const joining = this.join(conn, admission, now)
      .catch((err: unknown) => {
        this.logger.error({ err, sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: join failed');
        if (!conn.joined) this.refuse(conn, CloseCode.internalError, 'INTERNAL_ERROR');
      })
      .then(() => {
        conn.joining = null;
      });
    conn.joining = joining;
    setTail(conn, joining); // frames received while joining wait for it
    return joining.then(() => conn);
  }

  private async join(conn: Connection, admission: SignalingAdmission, now: Date): Promise<void> {
    const nowMs = now.getTime();
    const endedBefore = this.changes.endedReason(conn.sessionId) ?? (admission.session.status === 'ended' ? 'ended' : undefined);
    if (endedBefore !== undefined) return this.refuseEnded(conn, endedBefore);

    const outcome = await this.state
      .claim({ sessionId: conn.sessionId, userId: conn.userId, owner: conn.owner, view: participantView(conn), atMs: nowMs, maxSocketsPerUser: this.limits.maxSocketsPerUser })
      .catch((err: unknown) => {
        this.logger.error({ err, sessionId: conn.sessionId, userId: conn.userId }, 'signaling: presence unavailable');
        return null;
      });
    if (outcome === null) return this.refuse(conn, CloseCode.tryAgainLater, 'TRY_AGAIN_LATER');
    if (!outcome.ok) {
      if (outcome.refused === 'ended') return this.refuseEnded(conn, outcome.endedReason);
      this.logger.warn({ sessionId: conn.sessionId, userId: conn.userId, max: this.limits.maxSocketsPerUser }, 'signaling: too many connections for this user');
      return this.refuse(conn, CloseCode.rateLimited, 'TOO_MANY_CONNECTIONS');
    }
    conn.joined = true;
    // The session may have ended on another instance while the claim was under way.
    const endedMeanwhile = this.changes.endedReason(conn.sessionId);
    if (endedMeanwhile !== undefined) {
      void this.state.release(conn.sessionId, conn.userId, conn.owner, nowMs).catch((err: unknown) => this.logFailure(err, 'release'));
      return this.refuseEnded(conn, endedMeanwhile);
    }

    let reconnected = false;
    if (outcome.drop) {
      if (nowMs - outcome.drop.droppedAtMs < this.rules.reconnectWindowMs) reconnected = true;
      else void this.departures.finalize(outcome.drop, now); // the window passed before a sweep noticed: announce the leave first
    }
    const previousLocal = this.local.put(conn);
    if (previousLocal) {
      reconnected = true;
      this.departures.retire(previousLocal, CloseCode.replaced, 'REPLACED', now);
    }
    if (outcome.previousOwner !== null) {
      reconnected = true;
      if (instanceOf(outcome.previousOwner) !== this.state.instanceId) {
        // The replaced connection lives on another instance (or a dead one, then nobody listens).
        void this.state.kick(conn.sessionId, conn.userId, outcome.previousOwner, CloseCode.replaced, 'REPLACED').catch((err: unknown) => this.logFailure(err, 'kick'));
      }
    }

    this.metrics.admission('accepted');
    const s = admission.session;
    const others = outcome.participants.filter((p) => p.userId !== conn.userId);
    this.writer.send(conn, { type: 'participant-list', participants: others, session: { id: s.id, status: s.status, startedAt: s.startedAt, endsAt: s.endsAt } });
    // DESIGN 4.3 fixes the list's fields: who is speaking right now follows as `speaking` frames
    // (of this instance's connections; a speaker on another instance shows at its next change).
    for (const other of this.local.inSession(conn.sessionId)) {
      if (other !== conn && !other.gone && this.speaking.isSpeaking(other)) this.writer.send(conn, { type: 'speaking', userId: other.userId, speaking: true });
    }
    this.fanOut.broadcast(conn.sessionId, { type: 'participant-joined', participant: participantView(conn), ...(reconnected ? { reconnected: true as const } : {}) }, conn.userId);
    void this.departures.persist(conn.sessionId, conn.userId, 'markConnected', () => this.sessions.markConnected(conn.sessionId, conn.userId, now));
    this.logger.info(
      { sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, reconnected, replaced: outcome.previousOwner !== null || Boolean(previousLocal) },
      'signaling: connected',
    );
  }

  /** Refuses a connection before it joined: it never counts, and no drop follows its close. */
  private refuse(conn: Connection, code: number, reason: string): void {
    this.metrics.admission(code);
    conn.gone = true;
    conn.socket.close(code, closeReason(reason));
  }

  private refuseEnded(conn: Connection, reason: string): void {
    this.writer.send(conn, { type: 'session-ended', reason });
    this.refuse(conn, CloseCode.sessionEnded, 'SESSION_ENDED');
  }

  /**
   * One heartbeat sweep at `now` (`liveness.ts`; it runs on its own timer, tests call it with a
   * manual clock). @returns counts; resolves once the resulting database writes settled.
   */
  sweep(now: Date = this.clock.now()): Promise<SweepResult> {
    return this.liveness.sweep(now);
  }

  /** Pings the connections of one slice that were quiet for `quietForMs` (`liveness.ts`). @returns how many. */
  pingSlice(slice: number, slices: number, quietForMs: number): number {
    return this.liveness.pingSlice(slice, slices, quietForMs);
  }

  /** Sends a WebSocket ping to every local connection; each pong counts as a sign of life. */
  pingAll(): void {
    this.liveness.pingAll();
  }

  /**
   * A deliberate leave already stored by the sessions module: the socket closes (1000 `LEFT`)
   * wherever it is and the others hear `participant-left` at once (`departures.ts`).
   */
  announceLeft(sessionId: string, userId: string): Promise<void> {
    return this.departures.announceLeft(sessionId, userId);
  }

  /**
   * The user was erased (after the erasure committed): their sockets close 4403 `USER_DELETED`
   * on every instance, the others hear `participant-left`, their tickets are revoked.
   */
  async eraseUser(userId: string): Promise<void> {
    this.changes.onLocalChange({ type: 'user-erased', userId });
    await this.state.revokeTicketsOf(userId);
  }

  /** True while the user has an open connection to the session on this instance. */
  isConnected(sessionId: string, userId: string): boolean {
    const conn = this.local.get(sessionId, userId);
    return conn !== undefined && !conn.gone;
  }

  /**
   * Shuts down: stops liveness and session-change delivery, closes every socket with 1001 and
   * records those drops (the clients reconnect, possibly to another instance, inside the window),
   * then closes the shared state. Call it before the database closes; resolves once the writes settled.
   */
  async stop(): Promise<void> {
    await this.liveness.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.writer.flush();
    const now = this.clock.now();
    const writes: Promise<void>[] = [];
    for (const conn of [...this.local.all()]) {
      conn.socket.close(1001, closeReason('SERVER_SHUTDOWN'));
      writes.push(this.departures.drop(conn, now));
    }
    await Promise.all(writes);
    await this.writes.idle();
    await this.state.stop();
  }

  /** Resolves once every queued presence write settled (tests, shutdown). */
  idle(): Promise<void> {
    return this.writes.idle();
  }

  private onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    // A replaced or retired connection may still deliver frames before its close completes.
    if (conn.gone) return;
    const nowMs = this.clock.nowMs();
    conn.lastSeenMs = nowMs;
    if (!this.chargeBudget(conn, 1, nowMs)) return;
    const onError = (err: unknown) => this.onTaskError(conn, err);
    if (isBinary) return runInOrder(conn, () => this.reject(conn, 'Frames must be JSON text'), onError);
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    if (conn.tail) return runInOrder(conn, () => (conn.gone ? undefined : this.handlers.dispatch(this.ctx, conn, text)), onError);
    // Nothing pending (the common case: relays): dispatched at once, without a closure per frame.
    let result: void | Promise<void>;
    try {
      result = this.handlers.dispatch(this.ctx, conn, text);
    } catch (err) {
      return this.onTaskError(conn, err);
    }
    if (result) setTail(conn, result.catch(onError));
  }

  /** A sign of life (pong, heartbeat); with shared state, keeps the heartbeat key alive (throttled). */
  private noteLife(conn: Connection): void {
    const nowMs = this.clock.nowMs();
    conn.lastSeenMs = nowMs;
    if (!this.state.shared || !conn.joined || conn.gone || nowMs - conn.refreshedAtMs < this.state.refreshIntervalMs) return;
    conn.refreshedAtMs = nowMs;
    const refreshed = this.state.refresh([{ sessionId: conn.sessionId, userId: conn.userId, owner: conn.owner, atMs: nowMs }]);
    void refreshed.then(([lost]) => lost && !conn.gone && this.departures.lost(conn, lost.why, this.clock.now()), (err: unknown) => this.logFailure(err, 'refresh'));
  }

  /** Socket closed (by the client, the network, or us): a drop, unless already accounted for. */
  private onClose(conn: Connection): void {
    if (conn.joining) {
      // Closed while its presence was being claimed: the drop follows the claim.
      void conn.joining.then(() => this.onClose(conn));
      return;
    }
    if (conn.gone) return; // replaced, timed out, left, session ended, refused or shut down: handled there
    void this.departures.drop(conn, this.clock.now());
  }

  /** Publishes the connection's view (role, media state) to the shared presence. */
  private updatePresence(conn: Connection): void {
    if (!conn.joined || conn.gone) return;
    void this.state.updateView(conn.sessionId, conn.userId, conn.owner, participantView(conn)).catch((err: unknown) => this.logFailure(err, 'updateView'));
  }

  /** A handler failed: domain errors become an `error` frame with their code; others are logged. */
  private onTaskError(conn: Connection, err: unknown): void {
    if (err instanceof AppError) return this.writer.send(conn, { type: 'error', code: err.code, message: err.message });
    this.logger.error({ err, sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: message handler failed');
    this.writer.send(conn, { type: 'error', code: SignalingErrorCode.internal, message: 'The message could not be handled' });
  }

  private reject(conn: Connection, message: string): void {
    this.writer.send(conn, { type: 'error', code: SignalingErrorCode.invalidMessage, message });
    this.chargeBudget(conn, this.limits.invalidCost - 1, this.clock.nowMs());
  }

  /**
   * Takes `cost` from the connection's budget (`message-budget.ts`). When it runs out the socket
   * is closed with 4429 (a drop: the client may reconnect). @returns false when cut off.
   */
  private chargeBudget(conn: Connection, cost: number, nowMs: number): boolean {
    if (charge(conn.budget, cost, nowMs, this.limits)) return true;
    if (!conn.gone && conn.socket.readyState === OPEN) {
      this.logger.warn({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: rate limited');
      conn.socket.close(CloseCode.rateLimited, closeReason('RATE_LIMITED'));
      // While joining, the close event turns it into a drop once joined (see onClose).
      if (!conn.joining) void this.departures.drop(conn, new Date(nowMs));
    }
    return false;
  }

  private logFailure(err: unknown, what: string): void {
    this.logger.error({ err, what }, 'signaling: shared state operation failed');
  }
}
