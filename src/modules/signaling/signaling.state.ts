/**
 * Who is connected where, and which drops are still inside their reconnect window.
 *
 * One instance keeps this in process (`MemorySignalingState`). With `REDIS_URL` (later) presence
 * and pending drops move to seed 003's keys (`session:ws:{sessionId}` hash,
 * `session:heartbeat:{sessionId}:{userId}`) while sockets stay local to the instance that holds
 * them; the service only talks to this interface, never to the maps.
 */

/** The part of a `ws` socket the service uses (so tests and other transports can stand in). */
export interface SignalingSocket {
  /** `ws` ready states: 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Destroys the socket without a closing handshake (dead peers). */
  terminate(): void;
  ping(): void;
}

/** One accepted signaling connection. Mutable fields belong to the service. */
export interface Connection {
  /** Process-unique number, for logs only. */
  readonly id: number;
  readonly sessionId: string;
  readonly userId: string;
  readonly displayName: string;
  readonly role: 'host' | 'participant';
  readonly socket: SignalingSocket;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Last sign of life (any frame or pong), epoch ms of the injected clock. */
  lastSeenMs: number;
  /** True once the connection no longer counts: closed, replaced, timed out, or its session ended. */
  gone: boolean;
  /** Tail of the connection's serial task chain; `null` when idle (the fast path is synchronous). */
  tail: Promise<void> | null;
  /** Message budget (token bucket): tokens left and when it was last refilled (epoch ms). */
  budget: number;
  budgetAtMs: number;
}

/** A connection that closed and whose user may still come back (DESIGN 4.6). */
export interface PendingDrop {
  sessionId: string;
  userId: string;
  /** When the drop was noticed, epoch ms; the reconnect window runs from here. */
  droppedAtMs: number;
}

/** Presence store of the signaling service. All methods are synchronous and cheap. */
export interface SignalingState {
  /** The user's current connection in a session, if any. */
  get(sessionId: string, userId: string): Connection | undefined;
  /** Makes `conn` its user's current connection. @returns the connection it replaces, if any. */
  put(conn: Connection): Connection | undefined;
  /** Forgets `conn` if it is still its user's current connection. @returns whether it was. */
  remove(conn: Connection): boolean;
  /** Current connections of a session (live view: copy before mutating the state). */
  inSession(sessionId: string): Iterable<Connection>;
  /** Every current connection (sweeps and pings). */
  all(): Iterable<Connection>;

  /** Records a drop (replacing an older one of the same user and session). */
  addDrop(drop: PendingDrop): void;
  /** Removes and returns the user's pending drop, if any. */
  takeDrop(sessionId: string, userId: string): PendingDrop | undefined;
  /** Removes and returns the drops at or before `cutoffMs`. */
  takeDropsBefore(cutoffMs: number): PendingDrop[];

  /** Remembers that a session ended, so that a connection admitted just before is turned away. */
  markEnded(sessionId: string, reason: string, atMs: number): void;
  /** The end reason of a session known to have ended, or `undefined`. */
  endedReason(sessionId: string): string | undefined;
  /**
   * Removes and returns every connection and pending drop of an ended session.
   * @returns the connections that were current.
   */
  clearSession(sessionId: string): Connection[];
  /** Forgets ended sessions noted at or before `cutoffMs`. */
  pruneEnded(cutoffMs: number): void;
}
