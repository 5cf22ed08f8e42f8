import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import { nextHost } from './host-handover.ts';
import type { MembershipCache } from './membership-cache.ts';
import { boundedSpeakingMs, presenceUpTo } from './presence.ts';
import { everyoneLeft } from './session-end.ts';
import { SessionErrors } from './sessions.errors.ts';
import { participantLeft, sessionEnded, sessionStarted } from './sessions.events.ts';
import { sessionsRepository, type ParticipantRow, type SessionRow } from './sessions.repository.ts';
import type { EndReason, SessionChange } from './sessions.views.ts';
import type { SpeakingLedger } from './speaking-ledger.ts';

/**
 * What a transaction decided that must happen only once it committed: the changes pushed to
 * signaling, the speaking time it counted (cleared from the ledger so it is not written twice),
 * and work of other modules that joined the transaction (`tasks`, e.g. deleting objects).
 */
export interface AfterCommit {
  changes: SessionChange[];
  counted: { sessionId: string; userId: string | null }[];
  /** Run after the changes were pushed, in order; a failing task is the task's own business. */
  tasks: (() => void)[];
}

/** Result of closing one participation. */
export interface CloseOutcome {
  /** The private session's new host, when the leaving member was host and someone remains. */
  newHost: string | null;
  /** `all_left` when nobody remains (the session was ended in the same transaction). */
  ended: EndReason | null;
}

/**
 * The transactional core the REST use cases, signaling and the lifecycle sweep share: start a
 * session, close a participation, end a session. Each writes its state change and its outbox
 * event in the caller's transaction (DESIGN 3), and queues what follows the commit in
 * `AfterCommit`; `transact` runs a unit of work and applies that queue once it committed.
 */
export class SessionCore {
  private readonly listeners = new Set<(change: SessionChange) => void>();

  constructor(
    readonly db: Executor,
    readonly rules: RuleSettings,
    private readonly registrations: RegistrationsService,
    private readonly outbox: OutboxService,
    private readonly ledger: SpeakingLedger,
    /** Memberships signaling admission reads (one instance only; null with several). Writers that emit no change forget theirs. */
    readonly membership: MembershipCache | null = null,
  ) {}

  /** Subscribes to committed state changes (signaling). @returns the unsubscribe function. */
  onChange(listener: (change: SessionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `work` in one transaction; after the commit, clears the speaking time it counted, then
   * pushes its changes to the listeners, in order. Nothing follows a rollback.
   * @param countsSpeakingOf a session whose speaking `work` counts, or null when it may count any
   *   session's (a sweep): this instance's writes of that speaking still in flight land first
   *   (awaited before the transaction, which holds no lock yet).
   */
  async transact<T>(work: (tx: Executor, after: AfterCommit) => Promise<T>, countsSpeakingOf?: string | null): Promise<T> {
    if (countsSpeakingOf !== undefined) await this.ledger.settled(countsSpeakingOf);
    const after: AfterCommit = { changes: [], counted: [], tasks: [] };
    const result = await this.db.transaction((tx) => work(tx, after));
    this.applyAfterCommit(after);
    return result;
  }

  /** Locks a session the user is a member of. @throws AppError not_found/SESSION_NOT_FOUND. */
  async lockAsMember(tx: Executor, sessionId: string, userId: string): Promise<SessionRow> {
    const session = await sessionsRepository.lockById(tx, sessionId);
    if (!session || !(await sessionsRepository.findParticipant(tx, sessionId, userId))) throw SessionErrors.notFound();
    return session;
  }

  /** Makes a locked session `active` at `startedAt` and records `session.started` (seed 002 AC5). */
  async start(tx: Executor, after: AfterCommit, session: SessionRow, startedAt: Date): Promise<void> {
    await sessionsRepository.updateSession(tx, session.id, { status: 'active', startedAt, updatedAt: startedAt });
    const members = await sessionsRepository.listParticipants(tx, session.id);
    await this.outbox.record(tx, sessionStarted(session, members, startedAt));
    after.changes.push({ type: 'started', sessionId: session.id, startedAt: startedAt.toISOString() });
  }

  /**
   * Closes one participation (seed 002 AC6): `leftAt`, reason, presence and speaking counted up to
   * `now` (the ledger's unwritten speaking included), `participant.left` recorded; a leaving host
   * of a private session hands over (`host-handover.ts`); the session ends `all_left` when nobody
   * remains (`session-end.ts`).
   */
  async closeParticipation(
    tx: Executor,
    after: AfterCommit,
    session: SessionRow,
    p: ParticipantRow,
    closing: { leftAt: Date; reason: 'left' | 'disconnected' },
    now: Date,
  ): Promise<CloseOutcome> {
    const { leftAt, reason } = closing;
    const presenceSeconds = presenceUpTo(p, now);
    const unwrittenMs = this.ledger.unwritten(session.id, p.userId, now.getTime()).get(p.userId) ?? 0;
    after.counted.push({ sessionId: session.id, userId: p.userId });
    const speakingTimeMs = boundedSpeakingMs(p.speakingTimeMs, unwrittenMs, presenceSeconds * 1000);
    await sessionsRepository.updateParticipant(tx, p.id, {
      leftAt,
      leftReason: reason,
      status: p.joinedAt ? 'disconnected' : p.status,
      connectedSince: null,
      presenceSeconds,
      speakingTimeMs,
      role: session.type === 'private' && p.role === 'host' ? 'participant' : p.role,
    });
    await sessionsRepository.updateSession(tx, session.id, { lastPresenceAt: now, updatedAt: now });
    // Every leave is reported, also of a member who joined by code and never connected (seed 002 AC6).
    await this.outbox.record(tx, participantLeft(session.id, p, { reason, leftAt, presenceSeconds, speakingTimeMs }));

    const members = (await sessionsRepository.listParticipants(tx, session.id)).map((m) => (m.id === p.id ? { ...m, leftAt } : m));
    let newHost: string | null = null;
    if (session.type === 'private' && session.hostUserId === p.userId) {
      newHost = nextHost(members, p.userId);
      if (newHost) {
        await sessionsRepository.updateSession(tx, session.id, { hostUserId: newHost });
        await sessionsRepository.updateParticipant(tx, members.find((m) => m.userId === newHost)!.id, { role: 'host' });
      }
    }
    if (everyoneLeft(session, members)) {
      await this.end(tx, after, { ...session, hostUserId: newHost ?? session.hostUserId }, 'all_left', now);
      return { newHost: null, ended: 'all_left' };
    }
    if (newHost) after.changes.push({ type: 'host-changed', sessionId: session.id, hostUserId: newHost });
    return { newHost, ended: null };
  }

  /**
   * Ends a locked session (seed 002 AC7): status, reason, every open participation closed (the
   * ledger's unwritten speaking counted first), attendance of slot registrations, `session.ended`.
   */
  async end(tx: Executor, after: AfterCommit, session: SessionRow, reason: EndReason, now: Date): Promise<void> {
    await sessionsRepository.updateSession(tx, session.id, { status: 'ended', endReason: reason, endedAt: now, updatedAt: now });
    // Speaking not written yet counts, before closeParticipations bounds it by presence.
    for (const [userId, ms] of this.ledger.unwritten(session.id, null, now.getTime())) {
      await sessionsRepository.addSpeakingToOpenParticipation(tx, session.id, userId, Math.round(ms));
    }
    after.counted.push({ sessionId: session.id, userId: null });
    await sessionsRepository.closeParticipations(tx, session.id, now);
    const members = await sessionsRepository.listParticipants(tx, session.id);
    if (session.type === 'public') {
      const regs = (pred: (m: ParticipantRow) => boolean) => members.filter((m) => m.registrationId && pred(m)).map((m) => m.registrationId as string);
      await this.registrations.recordAttendance(tx, regs((m) => m.joinedAt !== null), regs((m) => m.joinedAt === null));
    }
    await this.outbox.record(tx, sessionEnded(session, members, reason, now));
    after.changes.push({ type: 'ended', sessionId: session.id, reason });
  }

  private applyAfterCommit(after: AfterCommit): void {
    for (const { sessionId, userId } of after.counted) this.ledger.clear(sessionId, userId);
    for (const change of after.changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch {
          // a failing listener must not break the sweep or the request that caused the change
        }
      }
    }
    for (const task of after.tasks) {
      try {
        task();
      } catch {
        // the same: the commit happened, the caller's answer stands
      }
    }
  }
}
