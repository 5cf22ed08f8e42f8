import type { Connection, PendingDrop, SignalingState } from './signaling.state.ts';

/** In-process `SignalingState` for a single instance: sessionId → userId → connection. */
export class MemorySignalingState implements SignalingState {
  private readonly sessions = new Map<string, Map<string, Connection>>();
  /** Keyed by `dropKey` (unambiguous for any pair of ids). */
  private readonly drops = new Map<string, PendingDrop>();
  /** sessionId → { reason, atMs } of sessions that ended recently. */
  private readonly ended = new Map<string, { reason: string; atMs: number }>();

  get(sessionId: string, userId: string): Connection | undefined {
    return this.sessions.get(sessionId)?.get(userId);
  }

  put(conn: Connection): Connection | undefined {
    let users = this.sessions.get(conn.sessionId);
    if (!users) {
      users = new Map();
      this.sessions.set(conn.sessionId, users);
    }
    const previous = users.get(conn.userId);
    users.set(conn.userId, conn);
    return previous === conn ? undefined : previous;
  }

  remove(conn: Connection): boolean {
    const users = this.sessions.get(conn.sessionId);
    if (!users || users.get(conn.userId) !== conn) return false;
    users.delete(conn.userId);
    if (users.size === 0) this.sessions.delete(conn.sessionId);
    return true;
  }

  inSession(sessionId: string): Iterable<Connection> {
    return this.sessions.get(sessionId)?.values() ?? [];
  }

  *all(): Iterable<Connection> {
    for (const users of this.sessions.values()) yield* users.values();
  }

  addDrop(drop: PendingDrop): void {
    this.drops.set(dropKey(drop.sessionId, drop.userId), drop);
  }

  takeDrop(sessionId: string, userId: string): PendingDrop | undefined {
    const key = dropKey(sessionId, userId);
    const drop = this.drops.get(key);
    if (drop) this.drops.delete(key);
    return drop;
  }

  takeDropsBefore(cutoffMs: number): PendingDrop[] {
    const due: PendingDrop[] = [];
    for (const [key, drop] of this.drops) {
      if (drop.droppedAtMs <= cutoffMs) {
        due.push(drop);
        this.drops.delete(key);
      }
    }
    return due;
  }

  markEnded(sessionId: string, reason: string, atMs: number): void {
    this.ended.set(sessionId, { reason, atMs });
  }

  endedReason(sessionId: string): string | undefined {
    return this.ended.get(sessionId)?.reason;
  }

  clearSession(sessionId: string): Connection[] {
    const conns = [...(this.sessions.get(sessionId)?.values() ?? [])];
    this.sessions.delete(sessionId);
    for (const [key, drop] of this.drops) if (drop.sessionId === sessionId) this.drops.delete(key);
    return conns;
  }

  pruneEnded(cutoffMs: number): void {
    for (const [sessionId, { atMs }] of this.ended) if (atMs <= cutoffMs) this.ended.delete(sessionId);
  }
}

/** The session id's length first, so that no two (sessionId, userId) pairs share a key. */
function dropKey(sessionId: string, userId: string): string {
  return `${sessionId.length}:${sessionId}${userId}`;
}
