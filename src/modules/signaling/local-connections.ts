import type { Connection } from './connection.ts';

/**
 * The sockets this instance holds: sessionId → userId → current connection. Synchronous and
 * in-process in every mode, so relaying between two sockets of one instance never waits.
 */
export class LocalConnections {
  private readonly sessions = new Map<string, Map<string, Connection>>();
  private count = 0;

  get(sessionId: string, userId: string): Connection | undefined {
    return this.sessions.get(sessionId)?.get(userId);
  }

  /** Makes `conn` its user's current local connection. @returns the connection it replaces, if any. */
  put(conn: Connection): Connection | undefined {
    let users = this.sessions.get(conn.sessionId);
    if (!users) {
      users = new Map();
      this.sessions.set(conn.sessionId, users);
    }
    const previous = users.get(conn.userId);
    users.set(conn.userId, conn);
    if (!previous) this.count++;
    return previous === conn ? undefined : previous;
  }

  /** Forgets `conn` if it is still its user's current local connection. @returns whether it was. */
  remove(conn: Connection): boolean {
    const users = this.sessions.get(conn.sessionId);
    if (!users || users.get(conn.userId) !== conn) return false;
    users.delete(conn.userId);
    this.count--;
    if (users.size === 0) this.sessions.delete(conn.sessionId);
    return true;
  }

  /** Current local connections of a session (live view: copy before mutating). */
  inSession(sessionId: string): Iterable<Connection> {
    return this.sessions.get(sessionId)?.values() ?? [];
  }

  /** Removes and returns every local connection of a session. */
  takeSession(sessionId: string): Connection[] {
    const conns = [...(this.sessions.get(sessionId)?.values() ?? [])];
    this.sessions.delete(sessionId);
    this.count -= conns.length;
    return conns;
  }

  /** Calls `fn` for every current local connection, without a generator (the ping schedule runs it 10 times a second). */
  forEach(fn: (conn: Connection) => void): void {
    for (const users of this.sessions.values()) for (const conn of users.values()) fn(conn);
  }

  /** Every current local connection (sweeps, pings). */
  *all(): Iterable<Connection> {
    for (const users of this.sessions.values()) yield* users.values();
  }

  get size(): number {
    return this.count;
  }
}
