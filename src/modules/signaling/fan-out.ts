import { noMetrics, type SignalingMetrics } from '../../shared/metrics.ts';
import type { Connection } from './connection.ts';
import type { FrameWriter } from './frame-writer.ts';
import type { LocalConnections } from './local-connections.ts';
import { SignalingErrorCode } from './signaling.errors.ts';
import type { SignalingLogger } from './signaling.ports.ts';
import type { ServerMessage } from './signaling.schemas.ts';
import type { ClusterBus, PresenceStore } from './signaling.state.ts';

/**
 * Relay and broadcast fan-out (seed 003 AC3-AC5): a relay goes to one participant of the
 * sender's own session, directly when its socket is on this instance, through the cluster bus
 * otherwise; a broadcast goes to every participant connected to the session, on any instance.
 * Frames from other instances arrive through `deliver`.
 */
export class FanOut {
  constructor(
    private readonly local: LocalConnections,
    private readonly presence: Pick<PresenceStore, 'shared'>,
    private readonly bus: ClusterBus,
    private readonly writer: FrameWriter,
    private readonly logger: SignalingLogger,
    private readonly metrics: SignalingMetrics = noMetrics,
  ) {}

  /**
   * Delivers a relay to `toUserId` in the sender's session. Anyone else (another session, not
   * connected, the sender itself) gets the sender a `PEER_NOT_FOUND` error frame (DESIGN 4.6).
   */
  relay(conn: Connection, toUserId: string, message: ServerMessage): void {
    if (toUserId !== conn.userId) {
      const target = this.local.get(conn.sessionId, toUserId);
      if (target && !target.gone) {
        this.metrics.frameRelayed(message.type);
        return this.writer.send(target, message);
      }
      if (this.presence.shared) {
        this.bus.relay(conn.sessionId, toUserId, JSON.stringify(message)).then(
          (delivered) => {
            if (delivered) this.metrics.frameRelayed(message.type);
            else this.participantNotFound(conn, toUserId);
          },
          (err: unknown) => {
            this.logger.error({ err, what: 'relay' }, 'signaling: shared state operation failed');
            this.writer.send(conn, { type: 'error', code: SignalingErrorCode.internal, message: 'The message could not be relayed' });
          },
        );
        return;
      }
    }
    this.participantNotFound(conn, toUserId);
  }

  /** Sends one frame to every participant connected to the session, on any instance, but `exceptUserId`. */
  broadcast(sessionId: string, message: ServerMessage, exceptUserId: string | null): void {
    const frame = JSON.stringify(message);
    this.localBroadcast(sessionId, frame, exceptUserId);
    if (this.presence.shared) {
      void this.bus.broadcast(sessionId, frame, exceptUserId).catch((err: unknown) => this.logger.error({ err, what: 'broadcast' }, 'signaling: shared state operation failed'));
    }
  }

  /** Sends one serialised frame to this instance's sockets of the session, but `exceptUserId`'s. */
  localBroadcast(sessionId: string, frame: string, exceptUserId: string | null): void {
    for (const conn of this.local.inSession(sessionId)) {
      if (conn.userId === exceptUserId || conn.gone) continue;
      this.writer.sendRaw(conn, frame);
    }
  }

  /** A frame another instance routed here: for one local socket, or for the session's local sockets. */
  deliver(sessionId: string, toUserId: string | null, exceptUserId: string | null, frame: string): void {
    if (toUserId === null) return this.localBroadcast(sessionId, frame, exceptUserId);
    const target = this.local.get(sessionId, toUserId);
    if (target && !target.gone) this.writer.sendRaw(target, frame);
  }

  private participantNotFound(conn: Connection, toUserId: string): void {
    this.writer.send(conn, {
      type: 'error',
      code: SignalingErrorCode.participantNotFound,
      message: `No participant ${JSON.stringify(toUserId.slice(0, 128))} is connected to this session`,
    });
  }
}
