import { OPEN, type Connection } from './connection.ts';
import type { ServerMessage } from './signaling.schemas.ts';

/**
 * Writes frames to this instance's sockets: the relay's hot path.
 *
 * The first frame for a connection in an event-loop turn corks its transport until `flush`
 * (scheduled with `setImmediate`, after the I/O callbacks of the turn): a relay's cost is mostly
 * the `writev` system call, so frames that meet on one socket in a busy turn share one. A quiet
 * turn sends a single frame, delayed by the rest of the turn only. (Flushing when each callback
 * returns instead cost 3-5 % more CPU per relayed message under the benchmark's load, for a lower
 * median latency near saturation: BENCHMARKS.md.)
 */
export class FrameWriter {
  /** Connections whose transport is corked until the end of this turn. */
  private corked: Connection[] = [];
  private flushScheduled = false;

  /** Sends one typed server frame (dropped silently when the socket is no longer open). */
  send(conn: Connection, message: ServerMessage): void {
    this.sendRaw(conn, JSON.stringify(message));
  }

  /** Sends one text frame, already serialised, if the socket is open. */
  sendRaw(conn: Connection, frame: string): void {
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
  readonly flush = (): void => {
    this.flushScheduled = false;
    const conns = this.corked;
    if (conns.length === 0) return;
    this.corked = [];
    for (const conn of conns) {
      conn.corked = false;
      conn.transport?.uncork();
    }
  };
}
