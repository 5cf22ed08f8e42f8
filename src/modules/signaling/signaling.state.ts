import type { SignalingSessionChange } from './signaling.ports.ts';
import type { SignalingParticipant } from './signaling.schemas.ts';

/**
 * The signaling state shared by every instance of the service, behind one port with two
 * implementations:
 *
 * - `MemorySignalingState` (no `REDIS_URL`): one instance, plain maps; fan-out methods do nothing
 *   because there is nobody else to tell.
 * - `RedisSignalingState` (`REDIS_URL`): seed 003's keys (`session:ws:{sessionId}` hash
 *   userId → `{instanceId}:{connectionId}`, `session:heartbeat:{sessionId}:{userId}` with a TTL),
 *   pending drops in a sorted set, and pub/sub between instances (one channel per instance for
 *   relays and broadcasts, one channel for session changes).
 *
 * The port is three ports by what they are: `PresenceStore`, `TicketStore`, `ClusterBus`; each
 * part of signaling takes only the one it needs. Sockets never leave the instance that accepted
 * them: the service keeps them in its own `LocalConnections`, and asks the presence store who is
 * connected where. Every operation that decides
 * something (claiming presence, taking a drop, a ticket) is atomic, so several instances never
 * both announce or finalize the same thing. Calls are applied in the order they are made.
 */

/** A connection that closed and whose user may still come back (DESIGN 4.6). */
export interface PendingDrop {
  sessionId: string;
  userId: string;
  /** When the drop was noticed, epoch ms; the reconnect window runs from here. */
  droppedAtMs: number;
}

/** What `claim` needs to make a connection its user's current one in a session. */
export interface PresenceClaim {
  sessionId: string;
  userId: string;
  /** `Connection.owner`. */
  owner: string;
  /** How the others see the participant (`participant-list`). */
  view: SignalingParticipant;
  /** Epoch ms (injected clock). */
  atMs: number;
  /** Sessions a user may be connected to at once, across instances. */
  maxSocketsPerUser: number;
}

/** The outcome of `claim`. */
export type ClaimOutcome =
  | {
      ok: true;
      /** The connection this one replaces (`owner` value), possibly on another instance. */
      previousOwner: string | null;
      /** The user's pending drop in this session, now taken (the caller decides if it is in the window). */
      drop: PendingDrop | null;
      /** Everyone connected to the session, this user included. */
      participants: SignalingParticipant[];
    }
  | { ok: false; refused: 'ended'; endedReason: string }
  | { ok: false; refused: 'too-many-sockets' };

/** A presence entry to keep alive (heartbeat key refreshed, TTLs extended). */
export interface PresenceRefresh {
  sessionId: string;
  userId: string;
  owner: string;
  /** Last sign of life, epoch ms: the heartbeat key's value. */
  atMs: number;
}

/** A refreshed entry that was no longer owned as given (`PresenceStore.refresh`). */
export interface LostPresence {
  entry: PresenceRefresh;
  /**
   * Why: `replaced`, another connection of the user holds the presence now (its kick may have been
   * lost); `ended`, the session ended (its change may not have arrived yet); `orphaned`, nobody
   * holds it (another instance took it while this one was presumed dead).
   */
  why: 'replaced' | 'ended' | 'orphaned';
}

/** What a single-use signaling ticket stands for. */
export interface TicketGrant {
  userId: string;
  sessionId: string;
  /** Epoch ms (injected clock) after which the ticket is refused. */
  expiresAtMs: number;
}

/** A message from another instance, for this instance's sockets. */
export type ClusterMessage =
  /** One frame for `toUserId`'s socket in the session, or for every local socket of it except `exceptUserId`'s. */
  | { kind: 'deliver'; sessionId: string; toUserId: string | null; exceptUserId: string | null; frame: string }
  /** Close the local connection `owner` (replaced elsewhere: 4409). */
  | { kind: 'kick'; sessionId: string; userId: string; owner: string; code: number; reason: string }
  /** A committed session change that happened on another instance. */
  | { kind: 'change'; change: SignalingSessionChange };

/**
 * Who is connected where, pending drops and ended sessions, shared by every instance (seed 003
 * `session:ws:{sessionId}`, `session:heartbeat:{sessionId}:{userId}`).
 */
export interface PresenceStore {
  /** This instance's id (no `:`); `Connection.owner` starts with it. */
  readonly instanceId: string;
  /** True when other instances may hold sockets of the same sessions (fan-out is needed). */
  readonly shared: boolean;
  /** Minimum time between two refreshes of one connection's heartbeat key (`Infinity`: never needed). */
  readonly refreshIntervalMs: number;

  /**
   * Makes `owner` the user's current connection in the session unless the session ended or the
   * user already has `maxSocketsPerUser` other sessions; takes the user's pending drop.
   */
  claim(claim: PresenceClaim): Promise<ClaimOutcome>;
  /**
   * The connection `owner` dropped: if it is still its user's current one, removes it and records
   * a pending drop at `droppedAtMs`. @returns whether it was current (a drop was recorded).
   */
  release(sessionId: string, userId: string, owner: string, droppedAtMs: number): Promise<boolean>;
  /**
   * A deliberate leave: removes the user's presence whoever holds it, and its pending drop.
   * @returns the owner that was current, and the drop that was pending, if any.
   */
  evict(sessionId: string, userId: string): Promise<{ owner: string | null; drop: PendingDrop | null }>;
  /** Updates how the others see the participant, if `owner` is still current. */
  updateView(sessionId: string, userId: string, owner: string, view: SignalingParticipant): Promise<void>;
  /**
   * Refreshes heartbeat keys and presence TTLs of entries still owned as given.
   * @returns the entries that are not: another instance took them while this one was presumed
   *   dead (paused longer than its liveness TTL), or a newer connection replaced them.
   */
  refresh(entries: PresenceRefresh[]): Promise<LostPresence[]>;
  /** Removes and returns the pending drops at or before `cutoffMs` (each one to one caller only). */
  takeDropsBefore(cutoffMs: number): Promise<PendingDrop[]>;
  /**
   * Presence held by other instances that died becomes pending drops, each claimed by one caller
   * only: all of an instance's entries once its liveness key expired, dated at its last refresh
   * (issue 13); otherwise any entry whose own heartbeat key expired, dated `nowMs`.
   * @returns the drops claimed, with the time each one counts from.
   */
  claimOrphans(nowMs: number): Promise<PendingDrop[]>;
  /** The session ended: remembered (so late claims are refused), its presence and drops cleared. */
  endSession(sessionId: string, reason: string, atMs: number): Promise<void>;
  /** Forgets what expired by `nowMs` (ended sessions, tickets) where the store has no TTLs. */
  prune(nowMs: number): Promise<void>;
}

/** Single-use signaling tickets, shared so that any instance can redeem one. */
export interface TicketStore {
  /** Stores a ticket under its digest for `ttlMs`. */
  putTicket(digest: string, grant: TicketGrant, ttlMs: number): Promise<void>;
  /** Removes and returns a ticket (single use), or `null`. */
  takeTicket(digest: string): Promise<TicketGrant | null>;
  /** Removes every ticket issued to a user (erasure). */
  revokeTicketsOf(userId: string): Promise<void>;
}

/** Messages between instances: frames for their sockets, kicks, session changes. */
export interface ClusterBus {
  /**
   * Delivers `frame` to `toUserId`'s socket held by another instance.
   * @returns false when no other live instance holds that user in the session.
   */
  relay(sessionId: string, toUserId: string, frame: string): Promise<boolean>;
  /** Delivers `frame` to the session's sockets held by other instances, except `exceptUserId`'s. */
  broadcast(sessionId: string, frame: string, exceptUserId: string | null): Promise<void>;
  /** Asks the instance holding `owner` to close it with `code`/`reason`. */
  kick(sessionId: string, userId: string, owner: string, code: number, reason: string): Promise<void>;
  /** Tells the other instances about a session change. */
  publishChange(change: SignalingSessionChange): Promise<void>;
}

/**
 * The three ports in one adapter, as both implementations provide them (the Redis adapter keeps
 * its Lua scripts together), with the adapter's lifecycle.
 */
export interface SignalingState extends PresenceStore, TicketStore, ClusterBus {
  /** Connects and starts receiving `ClusterMessage`s. Resolves once messages can be received. */
  start(onMessage: (message: ClusterMessage) => void): Promise<void>;
  /** Stops receiving and releases connections (pending calls complete first). */
  stop(): Promise<void>;
}

/** The instance part of a `Connection.owner` value (`{instanceId}:{connectionId}`). */
export function instanceOf(owner: string): string {
  const i = owner.lastIndexOf(':');
  return i < 0 ? owner : owner.slice(0, i);
}
