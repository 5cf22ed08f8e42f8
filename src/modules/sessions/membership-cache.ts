import type { ParticipantRow, SessionState } from './sessions.repository.ts';

/** A session's state and every participation, as one query read them. */
export interface Membership {
  session: SessionState;
  members: Map<string, ParticipantRow>;
}

/**
 * Sessions' memberships as signaling admission reads them (issue 14: at a slot start the members
 * of a session join within seconds; the first admission reads the whole session, the others
 * answer from here). One instance only: with several instances (`REDIS_URL`) a leave or an end
 * committed elsewhere would not reach this map, so the sessions module does not use it there.
 *
 * How it stays right (`participation.ts` relies on each point):
 * - it only ever admits: an entry whose answer would be a refusal, or that lacks the user, is
 *   read afresh from the database (so a join by code, a new member, a rejoin are never missed);
 * - every committed `SessionChange` of a session (started, left, host-changed, ended, recording)
 *   forgets it, and so do the writes that emit none (join by code, a final drop, erasure: all);
 * - signaling's own writes (connected, media state) are applied to the entry;
 * - a read that was under way when the session was forgotten is not stored (`epoch`);
 * - entries expire after `ttlMs` of the injected clock, a backstop, and at most `maxSessions`
 *   are kept (the oldest go first).
 */
export class MembershipCache {
  private readonly entries = new Map<string, Membership & { loadedAtMs: number }>();
  private epochs = 0;

  constructor(private readonly opts: { ttlMs: number; maxSessions: number }) {}

  /** The epoch to pass to `put`: a forget after it makes that read stale. */
  epoch(): number {
    return this.epochs;
  }

  /** The cached membership of `sessionId`, unless expired at `nowMs`. */
  get(sessionId: string, nowMs: number): Membership | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (nowMs - entry.loadedAtMs >= this.opts.ttlMs) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry;
  }

  /** Stores a membership read at `nowMs` by a query started at `epoch`; dropped if anything was forgotten since. */
  put(membership: Membership, epoch: number, nowMs: number): void {
    if (epoch !== this.epochs) return;
    this.entries.delete(membership.session.id);
    this.entries.set(membership.session.id, { ...membership, loadedAtMs: nowMs });
    if (this.entries.size > this.opts.maxSessions) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Applies a write signaling made to one participation, if its session is cached. */
  patch(sessionId: string, userId: string, patch: Partial<ParticipantRow>): void {
    const row = this.entries.get(sessionId)?.members.get(userId);
    if (row) Object.assign(row, patch);
  }

  /** Forgets one session (its membership or state changed). */
  forget(sessionId: string): void {
    this.epochs++;
    this.entries.delete(sessionId);
  }

  /** Forgets every session (a change that may touch any, e.g. a user's erasure). */
  clear(): void {
    this.epochs++;
    this.entries.clear();
  }
}
