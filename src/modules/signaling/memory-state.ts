import type { SignalingSessionChange } from './signaling.ports.ts';
import type { SignalingParticipant } from './signaling.schemas.ts';
import type {
  ClaimOutcome,
  ClusterMessage,
  PendingDrop,
  PresenceClaim,
  LostPresence,
  PresenceRefresh,
  SignalingState,
  TicketGrant,
} from './signaling.state.ts';

/**
 * `SignalingState` of a single instance (no `REDIS_URL`): plain maps. There are no other
 * instances, so fan-out does nothing and nothing is ever orphaned. Every method does its work
 * synchronously before returning its promise, so calls apply in the order they are made.
 */
export class MemorySignalingState implements SignalingState {
  readonly instanceId = 'local';
  readonly shared = false;
  readonly refreshIntervalMs = Number.POSITIVE_INFINITY;
  /** sessionId → userId → presence. */
  private readonly presence = new Map<string, Map<string, { owner: string; view: SignalingParticipant }>>();
  /** userId → sessions the user is present in (the per-user socket cap). */
  private readonly userSessions = new Map<string, Set<string>>();
  /** Keyed by `pairKey`. */
  private readonly drops = new Map<string, PendingDrop>();
  private readonly ended = new Map<string, { reason: string; atMs: number }>();
  private readonly tickets = new Map<string, TicketGrant>();

  async start(_onMessage: (message: ClusterMessage) => void): Promise<void> {}

  async stop(): Promise<void> {}

  async claim(c: PresenceClaim): Promise<ClaimOutcome> {
    const ended = this.ended.get(c.sessionId);
    if (ended) return { ok: false, refused: 'ended', endedReason: ended.reason };
    const mine = this.userSessions.get(c.userId);
    const elsewhere = (mine?.size ?? 0) - (mine?.has(c.sessionId) ? 1 : 0);
    if (elsewhere >= c.maxSocketsPerUser) return { ok: false, refused: 'too-many-sockets' };

    let users = this.presence.get(c.sessionId);
    if (!users) {
      users = new Map();
      this.presence.set(c.sessionId, users);
    }
    const previous = users.get(c.userId);
    users.set(c.userId, { owner: c.owner, view: c.view });
    if (mine) mine.add(c.sessionId);
    else this.userSessions.set(c.userId, new Set([c.sessionId]));
    const key = pairKey(c.sessionId, c.userId);
    const drop = this.drops.get(key) ?? null;
    this.drops.delete(key);
    return { ok: true, previousOwner: previous?.owner ?? null, drop, participants: [...users.values()].map((p) => p.view) };
  }

  async release(sessionId: string, userId: string, owner: string, droppedAtMs: number): Promise<boolean> {
    if (this.presence.get(sessionId)?.get(userId)?.owner !== owner) return false;
    this.removePresence(sessionId, userId);
    this.drops.set(pairKey(sessionId, userId), { sessionId, userId, droppedAtMs });
    return true;
  }

  async evict(sessionId: string, userId: string): Promise<{ owner: string | null; drop: PendingDrop | null }> {
    const owner = this.presence.get(sessionId)?.get(userId)?.owner ?? null;
    if (owner !== null) this.removePresence(sessionId, userId);
    const key = pairKey(sessionId, userId);
    const drop = this.drops.get(key) ?? null;
    this.drops.delete(key);
    return { owner, drop };
  }

  async updateView(sessionId: string, userId: string, owner: string, view: SignalingParticipant): Promise<void> {
    const entry = this.presence.get(sessionId)?.get(userId);
    if (entry?.owner === owner) entry.view = view;
  }

  async refresh(_entries: PresenceRefresh[]): Promise<LostPresence[]> {
    return []; // one process: nobody else takes an entry
  }

  async takeDropsBefore(cutoffMs: number): Promise<PendingDrop[]> {
    const due: PendingDrop[] = [];
    for (const [key, drop] of this.drops) {
      if (drop.droppedAtMs <= cutoffMs) {
        due.push(drop);
        this.drops.delete(key);
      }
    }
    return due;
  }

  async claimOrphans(_nowMs: number): Promise<PendingDrop[]> {
    return [];
  }

  async endSession(sessionId: string, reason: string, atMs: number): Promise<void> {
    this.ended.set(sessionId, { reason, atMs });
    for (const userId of this.presence.get(sessionId)?.keys() ?? []) this.userSessions.get(userId)?.delete(sessionId);
    this.presence.delete(sessionId);
    for (const [key, drop] of this.drops) if (drop.sessionId === sessionId) this.drops.delete(key);
  }

  async prune(nowMs: number): Promise<void> {
    for (const [sessionId, { atMs }] of this.ended) if (atMs <= nowMs - ENDED_MEMORY_MS) this.ended.delete(sessionId);
    for (const [digest, grant] of this.tickets) if (grant.expiresAtMs <= nowMs) this.tickets.delete(digest);
  }

  async putTicket(digest: string, grant: TicketGrant, _ttlMs: number): Promise<void> {
    this.tickets.set(digest, grant);
  }

  async revokeTicketsOf(userId: string): Promise<void> {
    for (const [digest, grant] of this.tickets) if (grant.userId === userId) this.tickets.delete(digest);
  }

  async takeTicket(digest: string): Promise<TicketGrant | null> {
    const grant = this.tickets.get(digest) ?? null;
    this.tickets.delete(digest);
    return grant;
  }

  async relay(_sessionId: string, _toUserId: string, _frame: string): Promise<boolean> {
    return false;
  }

  async broadcast(_sessionId: string, _frame: string, _exceptUserId: string | null): Promise<void> {}

  async kick(_sessionId: string, _userId: string, _owner: string, _code: number, _reason: string): Promise<void> {}

  async publishChange(_change: SignalingSessionChange): Promise<void> {}

  private removePresence(sessionId: string, userId: string): void {
    const users = this.presence.get(sessionId);
    users?.delete(userId);
    if (users?.size === 0) this.presence.delete(sessionId);
    const mine = this.userSessions.get(userId);
    mine?.delete(sessionId);
    if (mine?.size === 0) this.userSessions.delete(userId);
  }
}

/** How long an ended session is remembered, to turn away connections admitted just before it ended. */
export const ENDED_MEMORY_MS = 10 * 60_000;

/** The session id's length first, so that no two (sessionId, userId) pairs share a key. */
function pairKey(sessionId: string, userId: string): string {
  return `${sessionId.length}:${sessionId}${userId}`;
}
