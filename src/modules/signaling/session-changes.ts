import type { Clock } from '../../shared/clock.ts';
import type { Connection } from './connection.ts';
import type { Departures } from './departures.ts';
import type { FanOut } from './fan-out.ts';
import type { FrameWriter } from './frame-writer.ts';
import type { LocalConnections } from './local-connections.ts';
import { ENDED_MEMORY_MS } from './memory-state.ts';
import { CloseCode, closeReason } from './signaling.errors.ts';
import type { SignalingLogger, SignalingSessionChange } from './signaling.ports.ts';
import type { ServerMessage } from './signaling.schemas.ts';
import type { ClusterBus, ClusterMessage, PresenceStore } from './signaling.state.ts';
import type { SpeakingTracker } from './speaking-tracker.ts';

/**
 * Session changes and messages across instances (seed 003 AC6-AC7, DESIGN 4.3): a change
 * committed on this instance (`onLocalChange`) is applied to the local sockets and forwarded to the
 * other instances, which apply it to theirs (`onClusterMessage`); frames routed here by other
 * instances are delivered, and kicks (a newer connection elsewhere) close the local one with 4409.
 */
export class SessionChanges {
  /** Sessions that ended recently (sessionId → reason and when, epoch ms), to turn away late joins at once. */
  private readonly recentlyEnded = new Map<string, { reason: string; atMs: number }>();

  constructor(
    private readonly deps: {
      local: LocalConnections;
      presence: Pick<PresenceStore, 'endSession'>;
      bus: ClusterBus;
      fanOut: FanOut;
      writer: FrameWriter;
      speaking: SpeakingTracker;
      clock: Clock;
      logger: SignalingLogger;
      /** Retirements (no drop) and deliberate leaves. */
      departures: Pick<Departures, 'retire' | 'announceLeft' | 'eraseUser'>;
      /** Re-publishes a connection's view after its role changed. */
      updatePresence(conn: Connection): void;
    },
  ) {}

  /** The reason a session ended, if it ended in the last `ENDED_MEMORY_MS` as far as this instance heard. */
  endedReason(sessionId: string): string | undefined {
    return this.recentlyEnded.get(sessionId)?.reason;
  }

  /**
   * A change committed on this instance: applied to the local sockets, forwarded to the other
   * instances, and, for an end, applied to the shared presence first (so no late claim survives).
   */
  onLocalChange(change: SignalingSessionChange): void {
    const { presence, bus, clock } = this.deps;
    if (change.type === 'left') {
      void this.deps.departures.announceLeft(change.sessionId, change.userId).catch(this.fail('announceLeft'));
      return;
    }
    if (change.type === 'user-erased') {
      void bus.publishChange(change).catch(this.fail('publishChange'));
      void this.deps.departures.eraseUser(change.userId).catch(this.fail('eraseUser'));
      return;
    }
    if (change.type === 'ended') void presence.endSession(change.sessionId, change.reason, clock.nowMs()).catch(this.fail('endSession'));
    void bus.publishChange(change).catch(this.fail('publishChange'));
    this.apply(change);
  }

  /** A message from another instance. */
  onClusterMessage(message: ClusterMessage): void {
    if (message.kind === 'deliver') return this.deps.fanOut.deliver(message.sessionId, message.toUserId, message.exceptUserId, message.frame);
    if (message.kind === 'kick') {
      const conn = this.deps.local.get(message.sessionId, message.userId);
      if (conn && conn.owner === message.owner) {
        this.deps.logger.info({ sessionId: conn.sessionId, userId: conn.userId, connectionId: conn.id }, 'signaling: replaced by a connection on another instance');
        this.deps.departures.retire(conn, message.code, message.reason, this.deps.clock.now());
      }
      return;
    }
    this.apply(message.change);
  }

  /** Forgets ended sessions older than `ENDED_MEMORY_MS` (the liveness sweep calls it). */
  prune(nowMs: number): void {
    for (const [sessionId, { atMs }] of this.recentlyEnded) if (atMs <= nowMs - ENDED_MEMORY_MS) this.recentlyEnded.delete(sessionId);
  }

  /** What a session change does to this instance's sockets. */
  private apply(change: SignalingSessionChange): void {
    const { local, fanOut, clock } = this.deps;
    const now = clock.now();
    switch (change.type) {
      case 'started':
        fanOut.localBroadcast(change.sessionId, JSON.stringify({ type: 'session-started', startedAt: change.startedAt } satisfies ServerMessage), null);
        return;
      case 'host-changed':
        for (const conn of local.inSession(change.sessionId)) {
          const role = conn.userId === change.hostUserId ? 'host' : 'participant';
          if (conn.role === role) continue;
          conn.role = role;
          this.deps.updatePresence(conn);
        }
        fanOut.localBroadcast(change.sessionId, JSON.stringify({ type: 'host-changed', hostUserId: change.hostUserId } satisfies ServerMessage), null);
        return;
      case 'recording': {
        // The participant's view carries it for later newcomers (`participant-list`), on every instance.
        const conn = local.get(change.sessionId, change.userId);
        if (conn && conn.recording !== change.recording) {
          conn.recording = change.recording;
          this.deps.updatePresence(conn);
        }
        const frame: ServerMessage = { type: 'recording', userId: change.userId, recording: change.recording };
        fanOut.localBroadcast(change.sessionId, JSON.stringify(frame), null);
        return;
      }
      case 'left': {
        // Another instance handled the leave; close the socket if it is here.
        const conn = local.get(change.sessionId, change.userId);
        if (conn) this.deps.departures.retire(conn, CloseCode.normal, 'LEFT', now);
        return;
      }
      case 'ended':
        return this.closeEnded(change.sessionId, change.reason, now);
      case 'user-erased':
        void this.deps.departures.eraseUser(change.userId).catch(this.fail('eraseUser'));
        return;
    }
  }

  /** The session ended: its local sockets get `session-ended` and close 4410 (not drops: the participations are closed). */
  private closeEnded(sessionId: string, reason: string, now: Date): void {
    this.recentlyEnded.set(sessionId, { reason, atMs: now.getTime() });
    const conns = this.deps.local.takeSession(sessionId);
    const frame = JSON.stringify({ type: 'session-ended', reason } satisfies ServerMessage);
    for (const conn of conns) {
      conn.gone = true;
      this.deps.speaking.release(conn, now.getTime());
      this.deps.writer.sendRaw(conn, frame);
      conn.socket.close(CloseCode.sessionEnded, closeReason('SESSION_ENDED'));
    }
    if (conns.length > 0) this.deps.logger.info({ sessionId, reason, closed: conns.length }, 'signaling: session ended');
  }

  private fail(what: string) {
    return (err: unknown) => this.deps.logger.error({ err, what }, 'signaling: shared state operation failed');
  }
}
