import type { RawData, WebSocket } from 'ws';
import type { RuleSettings } from '../../config.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { LocalConnections } from './local-connections.ts';
import { ENDED_MEMORY_MS, MemorySignalingState } from './memory-state.ts';
import { CloseCode, SignalingErrorCode, closeReason } from './signaling.errors.ts';
import { createHandlerRegistry, type HandlerContext, type HandlerRegistry } from './signaling.handlers.ts';
import type { SignalingAdmission, SignalingLogger, SignalingSessionChange, SignalingSessions } from './signaling.ports.ts';
import type { PeerView, ServerMessage } from './signaling.schemas.ts';
import {
  instanceOf,
  type ClaimOutcome,
  type ClusterMessage,
  type Connection,
  type PendingDrop,
  type SignalingState,
  type SignalingTransport,
} from './signaling.state.ts';

/** Per-connection and per-user abuse limits; defaults a busy real client never meets. */
export interface SignalingLimits {
  /** Frames a client may send in a burst (ICE trickle to 7 peers stays far below). */
  burst: number;
  /** Frames per second refilled. */
  perSecond: number;
  /** What one malformed frame costs, so that a client that keeps sending garbage is cut off sooner. */
  invalidCost: number;
  /** Sessions one user may be connected to at once, across instances (`SIGNALING_MAX_SOCKETS_PER_USER`). */
  maxSocketsPerUser: number;
}

export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = { burst: 500, perSecond: 100, invalidCost: 20, maxSocketsPerUser: 4 };

/** Step of the spread-out ping schedule (`startPings`). */
const PING_TICK_MS = 100;

/** Speaking stretches that end less than this after the previous write are written together. */
const SPEAKING_WRITE_INTERVAL_MS = 1_000;

const OPEN = 1;

export interface SignalingServiceOptions {
  sessions: SignalingSessions;
  clock: Clock;
  rules: Pick<RuleSettings, 'reconnectWindowMs' | 'heartbeatTimeoutMs'>;
  logger: SignalingLogger;
  /** Shared presence and fan-out; in-process (single instance) by default. The service stops it. */
  state?: SignalingState;
  limits?: Partial<SignalingLimits>;
}

/** What one `sweep` did. */
export interface SweepResult {
  /** Local connections silent for `heartbeatTimeoutMs` that were terminated (now drops). */
  timedOut: number;
  /** Connections of dead instances (heartbeat key expired) that this instance turned into drops. */
  orphaned: number;
  /** Drops whose reconnect window passed: `markLeft` and `participant-left` sent. */
  left: number;
}

/**
 * The signaling hub (DESIGN 4.3, 4.6, 5, seed 003): accepts admitted sockets, relays WebRTC
 * offers/answers/ICE candidates between participants of the same session, broadcasts presence,
 * media state and speaking, pushes session changes, and turns closed or silent sockets into drops
 * that become final after `reconnectWindowMs`.
 *
 * Sockets stay on the instance that accepted them (`LocalConnections`, synchronous: a relay
 * between two local sockets never waits). Who is connected where, pending drops and tickets live
 * in the `SignalingState` port: in process for one instance, in Redis for several, where frames
 * for sockets of other instances travel over pub/sub. Database writes of one participant run in
 * event order on a keyed queue without blocking the socket. All times come from the injected clock.
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
  private readonly handlers: HandlerRegistry = createHandlerRegistry();
  private readonly writes = new KeyedQueue();
  private readonly ctx: HandlerContext;
  private readonly unsubscribe: () => void;
  private readonly started: Promise<void>;
  /** Sessions that ended recently (sessionId → when, epoch ms), to turn away late joins at once. */
  private readonly recentlyEnded = new Map<string, { reason: string; atMs: number }>();
  private pingTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** Connections whose transport is corked until the end of this event-loop turn (see `sendRaw`). */
  private corked: Connection[] = [];
  private flushScheduled = false;

  constructor(options: SignalingServiceOptions) {
    this.sessions = options.sessions;
    this.clock = options.clock;
    this.rules = options.rules;
    this.logger = options.logger;
    this.state = options.state ?? new MemorySignalingState();
    this.limits = { ...DEFAULT_SIGNALING_LIMITS, ...options.limits };
    this.ctx = {
      sessions: this.sessions,
      clock: this.clock,
      send: (conn, message) => this.send(conn, message),
      broadcast: (sessionId, message, exceptUserId) => this.broadcast(sessionId, message, exceptUserId),
      relay: (conn, toUserId, message) => this.relay(conn, toUserId, message),
      updatePresence: (conn) => this.updatePresence(conn),
      heartbeat: (conn) => this.noteLife(conn),
      setSpeaking: (conn, speaking) => this.setSpeaking(conn, speaking),
      sendError: (conn, code, message) => this.send(conn, { type: 'error', code, message }),
      reject: (conn, message) => this.reject(conn, message),
    };
    this.unsubscribe = this.sessions.onChange((change) => this.onLocalChange(change));
    this.sessions.setUnwrittenSpeakingSource((sessionId, userId, nowMs) => this.unwrittenSpeaking(sessionId, userId, nowMs));
    this.started = this.state.start((message) => this.onClusterMessage(message));
    this.started.catch((err: unknown) => this.logger.error({ err }, 'signaling: shared state unavailable'));
  }

  /** Resolves once the shared state is connected and other instances' messages arrive. */
  ready(): Promise<void> {
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
    const nowMs = now.getTime();
    const { session, participant } = admission;
    const id = this.nextId++;
    const conn: Connection = {
      id,
      owner: `${this.state.instanceId}:${id}`,
      sessionId: session.id,
      userId: participant.userId,
      displayName: participant.displayName,
      role: participant.role,
      socket,
      transport,
      corked: false,
      micEnabled: participant.micEnabled,
      cameraEnabled: participant.cameraEnabled,
      lastSeenMs: nowMs,
      refreshedAtMs: nowMs,
      joining: null,
      joined: false,
      gone: false,
      tail: null,
      budget: this.limits.burst,
      budgetAtMs: nowMs,
      speakingSinceMs: null,
      speakingPendingMs: 0,
      speakingFlushedAtMs: Number.NEGATIVE_INFINITY,
    };
    socket.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    socket.on('pong', () => this.noteLife(conn));
    socket.on('close', () => this.onClose(conn));
    // `close` always follows `error`; the drop is handled there.
    socket.on('error', (err) => this.logger.debug({ err, sessionId: conn.sessionId, userId: conn.userId }, 'signaling: socket error'));

    const joining = this.join(conn, admission, now)
      .catch((err: unknown) => {
        this.logger.error({ err, sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: join failed');
        if (!conn.joined) {
          conn.gone = true;
          conn.socket.close(CloseCode.internalError, closeReason('INTERNAL_ERROR'));
        }
      })
      .then(() => {
        conn.joining = null;
      });
    conn.joining = joining;
    this.setTail(conn, joining); // frames received while joining wait for it
    return joining.then(() => conn);
  }

  private async join(conn: Connection, admission: SignalingAdmission, now: Date): Promise<void> {
    const nowMs = now.getTime();
    const { session } = admission;
    const endedBefore = this.recentlyEnded.get(session.id)?.reason ?? (session.status === 'ended' ? 'ended' : undefined);
    if (endedBefore !== undefined) return this.refuseEnded(conn, endedBefore);

    let outcome: ClaimOutcome;
    try {
      outcome = await this.state.claim({
        sessionId: conn.sessionId,
        userId: conn.userId,
        owner: conn.owner,
        view: peerView(conn),
        atMs: nowMs,
        maxSocketsPerUser: this.limits.maxSocketsPerUser,
      });
    } catch (err) {
      this.logger.error({ err, sessionId: conn.sessionId, userId: conn.userId }, 'signaling: presence unavailable');
      conn.gone = true;
      conn.socket.close(CloseCode.tryAgainLater, closeReason('TRY_AGAIN_LATER'));
      return;
    }
    if (!outcome.ok) {
      if (outcome.refused === 'ended') return this.refuseEnded(conn, outcome.endedReason);
      this.logger.warn({ sessionId: conn.sessionId, userId: conn.userId, max: this.limits.maxSocketsPerUser }, 'signaling: too many connections for this user');
      conn.gone = true;
      conn.socket.close(CloseCode.rateLimited, closeReason('TOO_MANY_CONNECTIONS'));
      return;
    }
    conn.joined = true;
    // The session may have ended on another instance while the claim was under way.
    const endedMeanwhile = this.recentlyEnded.get(conn.sessionId);
    if (endedMeanwhile) {
      void this.state.release(conn.sessionId, conn.userId, conn.owner, nowMs).catch((err: unknown) => this.logFailure(err, 'release'));
      return this.refuseEnded(conn, endedMeanwhile.reason);
    }

    let reconnected = false;
    if (outcome.drop) {
      if (nowMs - outcome.drop.droppedAtMs < this.rules.reconnectWindowMs) reconnected = true;
      else void this.finalizeDrop(outcome.drop, now); // the window passed before a sweep noticed: announce the leave first
    }
    const previousLocal = this.local.put(conn);
    if (previousLocal) {
      reconnected = true;
      this.retire(previousLocal, CloseCode.replaced, 'REPLACED', now);
    }
    if (outcome.previousOwner !== null) {
      reconnected = true;
      if (instanceOf(outcome.previousOwner) !== this.state.instanceId) {
        // The replaced connection lives on another instance (or a dead one, then nobody listens).
        void this.state
          .kick(conn.sessionId, conn.userId, outcome.previousOwner, CloseCode.replaced, 'REPLACED')
          .catch((err: unknown) => this.logFailure(err, 'kick'));
      }
    }

    const others = outcome.peers.filter((p) => p.userId !== conn.userId);
    const { session: s } = admission;
    this.send(conn, { type: 'participant-list', participants: others, session: { id: s.id, status: s.status, startedAt: s.startedAt, endsAt: s.endsAt } });
    // DESIGN 4.3 fixes the list's fields: who is speaking right now follows as `speaking` frames
    // (of this instance's connections; a speaker on another instance shows at its next change).
    for (const other of this.local.inSession(conn.sessionId)) {
      if (other !== conn && !other.gone && other.speakingSinceMs !== null) this.send(conn, { type: 'speaking', userId: other.userId, speaking: true });
    }
    this.broadcast(conn.sessionId, { type: 'participant-joined', participant: peerView(conn), ...(reconnected ? { reconnected: true as const } : {}) }, conn.userId);
    void this.persist(conn.sessionId, conn.userId, 'markConnected', () => this.sessions.markConnected(conn.sessionId, conn.userId, now));
    this.logger.info(
      { sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, reconnected, replaced: outcome.previousOwner !== null || Boolean(previousLocal) },
      'signaling: connected',
    );
  }

  private refuseEnded(conn: Connection, reason: string): void {
    conn.gone = true;
    this.send(conn, { type: 'session-ended', reason });
    conn.socket.close(CloseCode.sessionEnded, closeReason('SESSION_ENDED'));
  }

  /**
   * Periodic sweep (job runner, every `JOBS_INTERVAL`; tests call it with a manual clock):
   * (a) local connections with no sign of life (frame or pong) for `heartbeatTimeoutMs` are
   * terminated and become drops at `now`; (b) with shared state, this instance's live connections
   * keep their heartbeat keys, and connections of dead instances (heartbeat key expired) become
   * drops at `now`; (c) drops older than `reconnectWindowMs` become final: `markLeft`
   * (leftAt = when the drop happened) and `participant-left` with reason `disconnected`.
   * @returns counts; resolves once the resulting database writes settled.
   */
  async sweep(now: Date = this.clock.now()): Promise<SweepResult> {
    const nowMs = now.getTime();
    const writes: Promise<void>[] = [];
    const silentSince = nowMs - this.rules.heartbeatTimeoutMs;
    const live = [...this.local.all()].filter((conn) => !conn.gone);
    const silent = live.filter((conn) => conn.lastSeenMs <= silentSince);
    for (const conn of silent) {
      this.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id, lastSeen: new Date(conn.lastSeenMs).toISOString() }, 'signaling: heartbeat timeout');
      conn.socket.terminate();
      writes.push(this.drop(conn, now));
    }
    // Speaking stretches that ended right after a write are written now.
    for (const conn of live) if (!conn.gone) this.flushSpeaking(conn, nowMs, true);

    let orphans: PendingDrop[] = [];
    if (this.state.shared) {
      const alive = live.filter((conn) => !conn.gone);
      for (const conn of alive) conn.refreshedAtMs = nowMs;
      await this.state.refresh(alive.map((conn) => ({ sessionId: conn.sessionId, userId: conn.userId, owner: conn.owner, atMs: conn.lastSeenMs })));
      orphans = await this.state.claimOrphans(nowMs);
      for (const drop of orphans) {
        this.logger.warn({ sessionId: drop.sessionId, userId: drop.userId }, 'signaling: dropped (the instance holding the connection stopped answering)');
        writes.push(this.persist(drop.sessionId, drop.userId, 'markDropped', () => this.sessions.markDropped(drop.sessionId, drop.userId, now)));
      }
    }
    const due = await this.state.takeDropsBefore(nowMs - this.rules.reconnectWindowMs);
    for (const drop of due) writes.push(this.finalizeDrop(drop, now));
    for (const [sessionId, { atMs }] of this.recentlyEnded) if (atMs <= nowMs - ENDED_MEMORY_MS) this.recentlyEnded.delete(sessionId);
    await this.state.prune(nowMs);
    await Promise.all(writes);
    return { timedOut: silent.length, orphaned: orphans.length, left: due.length };
  }

  /**
   * A deliberate leave (`POST /api/sessions/{id}/leave`, already stored by the caller): the user's
   * socket is closed (1000 `LEFT`) on whichever instance holds it, a pending drop of that user is
   * forgotten, and the others get `participant-left` with reason `left` at once. Nothing is
   * written to the database here.
   */
  async announceLeft(sessionId: string, userId: string): Promise<void> {
    const now = this.clock.now();
    const conn = this.local.get(sessionId, userId);
    // The leave's transaction counted this connection's unwritten speaking (`unwrittenSpeaking`).
    if (conn) this.retire(conn, CloseCode.normal, 'LEFT', now, 'counted');
    const evicted = this.state.evict(sessionId, userId);
    void this.state.publishChange({ type: 'left', sessionId, userId }).catch((err: unknown) => this.logFailure(err, 'publishChange'));
    const { owner, drop } = await evicted;
    if (conn || owner || drop) this.broadcast(sessionId, { type: 'participant-left', userId, reason: 'left' }, userId);
  }

  /** True while the user has an open connection to the session on this instance. */
  isConnected(sessionId: string, userId: string): boolean {
    const conn = this.local.get(sessionId, userId);
    return conn !== undefined && !conn.gone;
  }

  /** Sends a WebSocket ping to every local connection; each pong counts as a sign of life. */
  pingAll(): void {
    for (const conn of this.local.all()) this.ping(conn);
  }

  /**
   * Starts WebSocket-level pings (real timer, unref'd): browsers answer them even in throttled
   * background tabs, so a healthy client is never taken for a silent one. Every `PING_TICK_MS`
   * the timer runs the next of `intervalMs / PING_TICK_MS` slices (`pingSlice`), so each
   * connection is considered once per `intervalMs` and the pings are spread over the interval.
   */
  startPings(intervalMs: number): void {
    this.stopPings();
    const slices = Math.max(1, Math.round(intervalMs / PING_TICK_MS));
    let tick = 0;
    this.pingTimer = setInterval(() => this.pingSlice(tick++ % slices, slices, intervalMs / 2), Math.min(intervalMs, PING_TICK_MS));
    this.pingTimer.unref();
  }

  /**
   * Pings the local connections of one slice (`id % slices === slice`) that sent nothing for
   * `quietForMs` (injected clock): a connection whose frames arrive is alive, and those frames
   * keep proxies' idle timers reset. Pinging a thousand sockets at once would hold the event loop
   * (one `writev` each, then a thousand pongs) and delay every relay queued behind them.
   * @returns how many were pinged.
   */
  pingSlice(slice: number, slices: number, quietForMs: number): number {
    const quietSinceMs = this.clock.nowMs() - quietForMs;
    let pinged = 0;
    this.local.forEach((conn) => {
      if (conn.id % slices === slice && conn.lastSeenMs <= quietSinceMs && this.ping(conn)) pinged++;
    });
    return pinged;
  }

  private ping(conn: Connection): boolean {
    if (conn.gone || conn.socket.readyState !== OPEN) return false;
    try {
      conn.socket.ping();
      return true;
    } catch (err) {
      this.logger.debug({ err, connectionId: conn.id }, 'signaling: ping failed');
      return false;
    }
  }

  /**
   * Shuts down: stops pings and session-change delivery, closes every socket with 1001 and records
   * those drops (the clients reconnect, possibly to another instance, inside the window), then
   * closes the shared state. Call it before the database closes; resolves once the writes settled.
   */
  async stop(): Promise<void> {
    this.stopPings();
    this.unsubscribe();
    this.flush();
    const now = this.clock.now();
    const writes: Promise<void>[] = [];
    for (const conn of [...this.local.all()]) {
      conn.socket.close(1001, closeReason('SERVER_SHUTDOWN'));
      writes.push(this.drop(conn, now));
    }
    await Promise.all(writes);
    await this.writes.idle();
    await this.state.stop();
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
    const nowMs = this.clock.nowMs();
    conn.lastSeenMs = nowMs;
    if (!this.charge(conn, 1, nowMs)) return;
    if (isBinary) return this.run(conn, () => this.reject(conn, 'Frames must be JSON text'));
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    if (conn.tail) {
      this.run(conn, () => (conn.gone ? undefined : this.handlers.dispatch(this.ctx, conn, text)));
      return;
    }
    // Nothing pending (the common case: relays): dispatched at once, without a closure per frame.
    let result: void | Promise<void>;
    try {
      result = this.handlers.dispatch(this.ctx, conn, text);
    } catch (err) {
      this.onTaskError(conn, err);
      return;
    }
    if (result) this.setTail(conn, result.catch((err: unknown) => this.onTaskError(conn, err)));
  }

  /** A sign of life (pong, heartbeat); with shared state, keeps the heartbeat key alive (throttled). */
  private noteLife(conn: Connection): void {
    const nowMs = this.clock.nowMs();
    conn.lastSeenMs = nowMs;
    if (!this.state.shared || !conn.joined || conn.gone || nowMs - conn.refreshedAtMs < this.state.refreshIntervalMs) return;
    conn.refreshedAtMs = nowMs;
    void this.state
      .refresh([{ sessionId: conn.sessionId, userId: conn.userId, owner: conn.owner, atMs: nowMs }])
      .catch((err: unknown) => this.logFailure(err, 'refresh'));
  }

  /** Socket closed (by the client, the network, or us): a drop, unless already accounted for. */
  private onClose(conn: Connection): void {
    if (conn.joining) {
      // Closed while its presence was being claimed: the drop follows the claim.
      void conn.joining.then(() => this.onClose(conn));
      return;
    }
    if (conn.gone) return; // replaced, timed out, left, session ended, refused or shut down: handled there
    void this.drop(conn, this.clock.now());
  }

  /**
   * Turns a current connection into a pending drop (DESIGN 4.6: the reconnect window starts now).
   * Nothing is announced yet: the user may come back, to this instance or another.
   */
  private drop(conn: Connection, now: Date): Promise<void> {
    conn.gone = true;
    if (!this.local.remove(conn)) return Promise.resolve();
    this.endSpeaking(conn, now.getTime());
    const released = this.state.release(conn.sessionId, conn.userId, conn.owner, now.getTime()).catch((err: unknown) => {
      this.logFailure(err, 'release');
      return false;
    });
    this.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: dropped');
    return this.persist(conn.sessionId, conn.userId, 'markDropped', async () => {
      // Only if it was still the user's current connection (not replaced elsewhere meanwhile).
      if (await released) await this.sessions.markDropped(conn.sessionId, conn.userId, now);
    });
  }

  /**
   * Closes a local connection that no longer counts (replaced, left, session ended): no drop.
   * @param speaking `counted` when the sessions service already counted its unwritten speaking
   *   (a leave or an end committed on this instance): it is dropped instead of written.
   */
  private retire(conn: Connection, code: number, reason: string, now: Date, speaking: 'write' | 'counted' = 'write'): void {
    conn.gone = true;
    this.local.remove(conn);
    if (speaking === 'counted') forgetSpeaking(conn);
    else this.endSpeaking(conn, now.getTime());
    conn.socket.close(code, closeReason(reason));
  }

  /** A drop whose window passed: announce `participant-left` and store the leave at the drop time. */
  private finalizeDrop(drop: PendingDrop, now: Date): Promise<void> {
    this.broadcast(drop.sessionId, { type: 'participant-left', userId: drop.userId, reason: 'disconnected' }, drop.userId);
    this.logger.info({ sessionId: drop.sessionId, userId: drop.userId }, 'signaling: left (reconnect window passed)');
    const leftAt = new Date(drop.droppedAtMs);
    return this.persist(drop.sessionId, drop.userId, 'markLeft', () => this.sessions.markLeft(drop.sessionId, drop.userId, leftAt, now));
  }

  /**
   * A change committed on this instance: applied to the local sockets, forwarded to the other
   * instances (which apply it to theirs), and, for a leave or an end, applied to the shared state.
   */
  private onLocalChange(change: SignalingSessionChange): void {
    const fail = (what: string) => (err: unknown) => this.logFailure(err, what);
    if (change.type === 'left') {
      void this.announceLeft(change.sessionId, change.userId).catch(fail('announceLeft'));
      return;
    }
    if (change.type === 'ended') {
      // Cleared (and remembered as ended) before the others hear of it, so no late claim survives.
      void this.state.endSession(change.sessionId, change.reason, this.clock.nowMs()).catch(fail('endSession'));
    }
    void this.state.publishChange(change).catch(fail('publishChange'));
    this.applyChange(change, 'counted');
  }

  /** A message from another instance. */
  private onClusterMessage(message: ClusterMessage): void {
    if (message.kind === 'deliver') {
      if (message.toUserId !== null) {
        const target = this.local.get(message.sessionId, message.toUserId);
        if (target && !target.gone) this.sendRaw(target, message.frame);
      } else {
        this.localBroadcast(message.sessionId, message.frame, message.exceptUserId);
      }
      return;
    }
    if (message.kind === 'kick') {
      const conn = this.local.get(message.sessionId, message.userId);
      if (conn && conn.owner === message.owner) {
        this.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: replaced by a connection on another instance');
        this.retire(conn, message.code, message.reason, this.clock.now());
      }
      return;
    }
    this.applyChange(message.change);
  }

  /**
   * What a session change does to this instance's sockets.
   * @param speaking `counted` for a change committed on this instance, whose transaction counted
   *   the local connections' unwritten speaking; `write` for one heard from another instance.
   */
  private applyChange(change: SignalingSessionChange, speaking: 'write' | 'counted' = 'write'): void {
    const now = this.clock.now();
    switch (change.type) {
      case 'started':
        this.localBroadcast(change.sessionId, JSON.stringify({ type: 'session-started', startedAt: change.startedAt } satisfies ServerMessage), null);
        return;
      case 'host-changed':
        for (const conn of this.local.inSession(change.sessionId)) {
          const role = conn.userId === change.hostUserId ? 'host' : 'participant';
          if (conn.role === role) continue;
          conn.role = role;
          this.updatePresence(conn);
        }
        this.localBroadcast(change.sessionId, JSON.stringify({ type: 'host-changed', hostUserId: change.hostUserId } satisfies ServerMessage), null);
        return;
      case 'left': {
        // Another instance handled the leave; close the socket if it is here.
        const conn = this.local.get(change.sessionId, change.userId);
        if (conn) this.retire(conn, CloseCode.normal, 'LEFT', now);
        return;
      }
      case 'ended': {
        this.recentlyEnded.set(change.sessionId, { reason: change.reason, atMs: now.getTime() });
        // The sessions service closed the participations when it ended the session: no drop to record.
        const conns = this.local.takeSession(change.sessionId);
        const frame = JSON.stringify({ type: 'session-ended', reason: change.reason } satisfies ServerMessage);
        for (const conn of conns) {
          conn.gone = true;
          if (speaking === 'counted') forgetSpeaking(conn);
          else this.endSpeaking(conn, now.getTime());
          this.sendRaw(conn, frame);
          conn.socket.close(CloseCode.sessionEnded, closeReason('SESSION_ENDED'));
        }
        if (conns.length > 0) this.logger.info({ sessionId: change.sessionId, reason: change.reason, closed: conns.length }, 'signaling: session ended');
      }
    }
  }

  /** Starts or ends a speaking stretch; the end of one adds its length to the speaking time. */
  private setSpeaking(conn: Connection, speaking: boolean): boolean {
    const nowMs = this.clock.nowMs();
    if (speaking) {
      if (conn.speakingSinceMs !== null) return false;
      conn.speakingSinceMs = nowMs;
      return true;
    }
    if (conn.speakingSinceMs === null) return false;
    conn.speakingPendingMs += Math.max(0, nowMs - conn.speakingSinceMs);
    conn.speakingSinceMs = null;
    this.flushSpeaking(conn, nowMs, false);
    return true;
  }

  /**
   * Speaking time not written yet, per user, up to `nowMs`: what is pending plus the open stretch,
   * of the user's local connection or of every local connection of the session. Reads only.
   */
  private unwrittenSpeaking(sessionId: string, userId: string | null, nowMs: number): Map<string, number> {
    const out = new Map<string, number>();
    const conns = userId === null ? this.local.inSession(sessionId) : [this.local.get(sessionId, userId)];
    for (const conn of conns) {
      if (!conn || conn.gone) continue;
      const ms = conn.speakingPendingMs + (conn.speakingSinceMs === null ? 0 : Math.max(0, nowMs - conn.speakingSinceMs));
      if (ms > 0) out.set(conn.userId, ms);
    }
    return out;
  }

  /** Ends the connection's speaking stretch, if any, and writes what is pending. */
  private endSpeaking(conn: Connection, nowMs: number): void {
    if (conn.speakingSinceMs !== null) {
      conn.speakingPendingMs += Math.max(0, nowMs - conn.speakingSinceMs);
      conn.speakingSinceMs = null;
    }
    this.flushSpeaking(conn, nowMs, true);
  }

  /**
   * Writes pending speaking time: at once when forced, otherwise at most once per
   * `SPEAKING_WRITE_INTERVAL_MS` per connection (a voice-activity detector may toggle quickly).
   */
  private flushSpeaking(conn: Connection, nowMs: number, force: boolean): void {
    if (conn.speakingPendingMs <= 0) return;
    if (!force && nowMs - conn.speakingFlushedAtMs < SPEAKING_WRITE_INTERVAL_MS) return;
    const seconds = conn.speakingPendingMs / 1000;
    conn.speakingPendingMs = 0;
    conn.speakingFlushedAtMs = nowMs;
    const now = new Date(nowMs);
    void this.persist(conn.sessionId, conn.userId, 'addSpeakingTime', () => this.sessions.addSpeakingTime(conn.sessionId, conn.userId, seconds, now));
  }

  /** Publishes the connection's view (role, media state) to the shared presence. */
  private updatePresence(conn: Connection): void {
    if (!conn.joined || conn.gone) return;
    void this.state.updateView(conn.sessionId, conn.userId, conn.owner, peerView(conn)).catch((err: unknown) => this.logFailure(err, 'updateView'));
  }

  /**
   * Delivers a relay to `toUserId` in the sender's session: directly when the socket is local,
   * through the shared state otherwise; `PEER_NOT_FOUND` to the sender when nobody has it.
   */
  private relay(conn: Connection, toUserId: string, message: ServerMessage): void {
    if (toUserId !== conn.userId) {
      const target = this.local.get(conn.sessionId, toUserId);
      if (target && !target.gone) return this.send(target, message);
      if (this.state.shared) {
        this.state.relay(conn.sessionId, toUserId, JSON.stringify(message)).then(
          (delivered) => {
            if (!delivered) this.peerNotFound(conn, toUserId);
          },
          (err: unknown) => {
            this.logFailure(err, 'relay');
            this.send(conn, { type: 'error', code: SignalingErrorCode.internal, message: 'The message could not be relayed' });
          },
        );
        return;
      }
    }
    this.peerNotFound(conn, toUserId);
  }

  private peerNotFound(conn: Connection, toUserId: string): void {
    this.send(conn, { type: 'error', code: SignalingErrorCode.peerNotFound, message: `No participant ${JSON.stringify(toUserId.slice(0, 128))} is connected to this session` });
  }

  /**
   * Runs a message task in order with the connection's earlier ones. Synchronous tasks (relays,
   * heartbeats) run at once when nothing is pending; an async task (joining, media-state) holds
   * back the connection's later frames until it settles.
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
    this.charge(conn, this.limits.invalidCost - 1, this.clock.nowMs());
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
    if (!conn.gone && conn.socket.readyState === OPEN) {
      this.logger.warn({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: rate limited');
      conn.socket.close(CloseCode.rateLimited, closeReason('RATE_LIMITED'));
      // While joining, the close event turns it into a drop once joined (see onClose).
      if (!conn.joining) void this.drop(conn, new Date(nowMs));
    }
    return false;
  }

  private send(conn: Connection, message: ServerMessage): void {
    this.sendRaw(conn, JSON.stringify(message));
  }

  /**
   * Sends one text frame if the socket is open. The first frame for a connection in an event-loop
   * turn corks its transport until `flush` (scheduled with `setImmediate`, after the I/O callbacks
   * of the turn): a relay's cost is mostly the `writev` system call, so frames that meet on one
   * socket in a busy turn share one. A quiet turn sends a single frame, delayed by the rest of
   * the turn only. (Flushing when each callback returns instead cost 3-5 % more CPU per relayed
   * message under the benchmark's load, for a lower median latency near saturation: BENCHMARKS.md.)
   */
  private sendRaw(conn: Connection, frame: string): void {
    if (conn.socket.readyState !== OPEN) return;
    if (!conn.corked && conn.transport !== null && !conn.transport.destroyed) {
      conn.transport.cork();
      conn.corked = true;
      this.corked.push(conn);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    }
    conn.socket.send(frame);
  }

  /** Uncorks every transport corked in this turn: each writes its frames in one `writev`. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const conns = this.corked;
    if (conns.length === 0) return;
    this.corked = [];
    for (const conn of conns) {
      conn.corked = false;
      conn.transport?.uncork();
    }
  };

  /** Sends one frame to every participant connected to the session, on any instance. */
  private broadcast(sessionId: string, message: ServerMessage, exceptUserId: string | null): void {
    const frame = JSON.stringify(message);
    this.localBroadcast(sessionId, frame, exceptUserId);
    if (this.state.shared) void this.state.broadcast(sessionId, frame, exceptUserId).catch((err: unknown) => this.logFailure(err, 'broadcast'));
  }

  private localBroadcast(sessionId: string, frame: string, exceptUserId: string | null): void {
    for (const conn of this.local.inSession(sessionId)) {
      if (conn.userId === exceptUserId || conn.gone) continue;
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

  private logFailure(err: unknown, what: string): void {
    this.logger.error({ err, what }, 'signaling: shared state operation failed');
  }
}

/** Drops a retired connection's speaking: the sessions service counted it up to the leave or end. */
function forgetSpeaking(conn: Connection): void {
  conn.speakingPendingMs = 0;
  conn.speakingSinceMs = null;
}

function peerView(conn: Connection): PeerView {
  return { userId: conn.userId, displayName: conn.displayName, role: conn.role, micEnabled: conn.micEnabled, cameraEnabled: conn.cameraEnabled };
}
