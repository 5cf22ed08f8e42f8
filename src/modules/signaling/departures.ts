import type { Clock } from '../../shared/clock.ts';
import type { Connection } from './connection.ts';
import type { FanOut } from './fan-out.ts';
import type { KeyedQueue } from './keyed-queue.ts';
import type { LocalConnections } from './local-connections.ts';
import { CloseCode, closeReason } from './signaling.errors.ts';
import type { SignalingLogger, SignalingSessions } from './signaling.ports.ts';
import type { LostPresence, PendingDrop, SignalingState } from './signaling.state.ts';
import type { SpeakingTracker } from './speaking-tracker.ts';

/**
 * How participants go away (seed 003 AC6, DESIGN 4.3 and 4.6):
 * - a drop (socket closed or silent): the reconnect window starts, nothing is announced yet;
 * - a drop whose window passed: `participant-left` (`disconnected`), the leave stored at the drop time;
 * - a retirement (replaced 4409, left, session ended): the socket closes, no drop;
 * - a lost presence (the shared store no longer names the connection): retired too (`lost`);
 * - a deliberate leave: the socket closes (1000 `LEFT`) wherever it is, `participant-left` (`left`) at once.
 * Database writes of one participant queue behind its earlier ones (`persist`).
 */
export class Departures {
  constructor(
    private readonly deps: {
      local: LocalConnections;
      state: SignalingState;
      sessions: SignalingSessions;
      speaking: SpeakingTracker;
      fanOut: FanOut;
      writes: KeyedQueue;
      clock: Clock;
      logger: SignalingLogger;
    },
  ) {}

  /**
   * Turns a current connection into a pending drop (DESIGN 4.6: the reconnect window starts now).
   * Nothing is announced yet: the user may come back, to this instance or another.
   */
  drop(conn: Connection, now: Date): Promise<void> {
    const { local, state, speaking, sessions, logger } = this.deps;
    conn.gone = true;
    if (!local.remove(conn)) return Promise.resolve();
    speaking.release(conn, now.getTime());
    const released = state.release(conn.sessionId, conn.userId, conn.owner, now.getTime()).catch((err: unknown) => {
      this.logFailure(err, 'release');
      return false;
    });
    logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: dropped');
    return this.persist(conn.sessionId, conn.userId, 'markDropped', async () => {
      // Only if it was still the user's current connection (not replaced elsewhere meanwhile).
      if (await released) await sessions.markDropped(conn.sessionId, conn.userId, now);
    });
  }

  /** Presence of a dead instance became a drop at `drop.droppedAtMs`: the participant is stored as dropped. */
  orphaned(drop: PendingDrop, _now: Date): Promise<void> {
    // Dated when the dead instance was last seen alive, not when a survivor noticed.
    const at = new Date(drop.droppedAtMs);
    return this.persist(drop.sessionId, drop.userId, 'markDropped', () => this.deps.sessions.markDropped(drop.sessionId, drop.userId, at));
  }

  /**
   * Closes a local connection that no longer counts (replaced, left, session ended): no drop.
   * Speaking the ledger still holds is written; a leave or an end committed here already counted
   * (and cleared) it.
   */
  retire(conn: Connection, code: number, reason: string, now: Date): void {
    conn.gone = true;
    this.deps.local.remove(conn);
    this.deps.speaking.release(conn, now.getTime());
    conn.socket.close(code, closeReason(reason));
  }

  /**
   * Closes a connection whose shared presence is no longer its own: 4409 when a newer connection
   * holds it (the client must not take it back), 4410 when the session ended (its change did not
   * reach this instance first), 1012 when an instance took it as an orphan while this one was
   * paused (the client reconnects, and is announced `reconnected`). No drop is recorded here.
   */
  lost(conn: Connection, why: LostPresence['why'], now: Date): void {
    if (why === 'replaced') this.retire(conn, CloseCode.replaced, 'REPLACED', now);
    else if (why === 'ended') this.retire(conn, CloseCode.sessionEnded, 'SESSION_ENDED', now);
    else this.retire(conn, CloseCode.presenceLost, 'PRESENCE_LOST', now);
  }

  /** A drop whose window passed: announce `participant-left` and store the leave at the drop time. */
  finalize(drop: PendingDrop, now: Date): Promise<void> {
    this.deps.fanOut.broadcast(drop.sessionId, { type: 'participant-left', userId: drop.userId, reason: 'disconnected' }, drop.userId);
    this.deps.logger.info({ sessionId: drop.sessionId, userId: drop.userId }, 'signaling: left (reconnect window passed)');
    const leftAt = new Date(drop.droppedAtMs);
    return this.persist(drop.sessionId, drop.userId, 'markLeft', () => this.deps.sessions.markLeft(drop.sessionId, drop.userId, leftAt, now));
  }

  /**
   * A deliberate leave (`POST /api/sessions/{id}/leave`, already stored by the caller): the user's
   * socket is closed (1000 `LEFT`) on whichever instance holds it, a pending drop of that user is
   * forgotten, and the others get `participant-left` with reason `left` at once. Nothing is
   * written to the database here.
   */
  async announceLeft(sessionId: string, userId: string): Promise<void> {
    const { local, state, fanOut, clock } = this.deps;
    const conn = local.get(sessionId, userId);
    if (conn) this.retire(conn, CloseCode.normal, 'LEFT', clock.now());
    const evicted = state.evict(sessionId, userId);
    void state.publishChange({ type: 'left', sessionId, userId }).catch((err: unknown) => this.logFailure(err, 'publishChange'));
    const { owner, drop } = await evicted;
    if (conn || owner || drop) fanOut.broadcast(sessionId, { type: 'participant-left', userId, reason: 'left' }, userId);
  }

  /**
   * The user was erased (`user.deleted`): every local connection of theirs closes with 4403
   * `USER_DELETED`, their presence goes, and the others hear `participant-left` at once. The
   * participations are already gone from the database: nothing is written.
   */
  async eraseUser(userId: string): Promise<number> {
    const { local, state, fanOut, clock } = this.deps;
    const mine: Connection[] = [];
    local.forEach((conn) => {
      if (conn.userId === userId) mine.push(conn);
    });
    for (const conn of mine) {
      this.retire(conn, CloseCode.notAParticipant, 'USER_DELETED', clock.now());
      await state.evict(conn.sessionId, userId).catch((err: unknown) => this.logFailure(err, 'evict'));
      fanOut.broadcast(conn.sessionId, { type: 'participant-left', userId, reason: 'left' }, userId);
    }
    return mine.length;
  }

  /** Queues a presence write of one participant behind its earlier ones; failures are logged. */
  persist(sessionId: string, userId: string, what: string, write: () => Promise<void>): Promise<void> {
    return this.deps.writes.run(`${sessionId.length}:${sessionId}${userId}`, async () => {
      try {
        await write();
      } catch (err) {
        this.deps.logger.error({ err, sessionId, userId, what }, 'signaling: presence write failed');
      }
    });
  }

  private logFailure(err: unknown, what: string): void {
    this.deps.logger.error({ err, what }, 'signaling: shared state operation failed');
  }
}
