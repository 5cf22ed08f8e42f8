import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { Placements, RegistrationsService } from '../registrations/registrations.service.ts';
import { createPrivateSession, type CreatePrivateInput } from './create-private-session.ts';
import { endSession } from './end-session.ts';
import { eraseUserFromSessions } from './erase-user.ts';
import { joinByCode, type InviteAttemptLimits } from './join-by-code.ts';
import { leaveSession } from './leave-session.ts';
import { MembershipCache } from './membership-cache.ts';
import { SessionParticipation } from './participation.ts';
import { rateSession, type RatingView } from './rate-session.ts';
import { setRecordingConsent } from './recording-consent.ts';
import { markRecording, recordedSessions, recordingTarget, type ConsentHook } from './recording-state.ts';
import { startSession } from './start-session.ts';
import { SessionCore, type AfterCommit } from './session-core.ts';
import { getCurrentSession, getSession, sessionHistory } from './session-reads.ts';
import { createSlotSessions, type PlannedSlotSession } from './slot-sessions.ts';
import { runSessionLifecycle } from './sessions.jobs.ts';
import type { HistoryItem, ParticipantView, RecordedSessionView, RecordingMemberView, SessionChange, SessionView, SignalingAdmissionView } from './sessions.views.ts';
import type { SpeakingLedger } from './speaking-ledger.ts';

export type { AfterCommit } from './session-core.ts';
export type { ConsentChange, ConsentHook } from './recording-state.ts';
export type { CreatePrivateInput } from './create-private-session.ts';
export type { PlannedSlotSession, SlotForSession } from './slot-sessions.ts';
export type {
  EndReason,
  HistoryItem,
  ParticipantView,
  RecordedSessionView,
  RecordingMemberView,
  SessionChange,
  SessionView,
  SignalingAdmissionView,
} from './sessions.views.ts';
export { FREE_DAILY_SESSIONS, MAX_ACTIVE_SESSIONS } from './session-limits.ts';


/** What the sessions module is built from (the container wires it). */
export interface SessionsDeps {
  db: Executor;
  rules: RuleSettings;
  registrations: RegistrationsService;
  outbox: OutboxService;
  /** Speaking time signaling measured and has not written (one per process). */
  ledger: SpeakingLedger;
  /** Invite-code attempt budgets and where they are counted (`invite-attempts.ts`). */
  inviteLimits: InviteAttemptLimits;
  /**
   * Cache memberships for signaling admission (`membership-cache.ts`, issue 14). Only for a single
   * instance: another instance's leave or end would not reach it. Default false.
   */
  cacheMembership?: boolean;
  /** The database runs in this process (PGlite): a cached admission needs no round trip to it. Default false. */
  databaseInProcess?: boolean;
}

/** A cached membership is read afresh after this long at the latest (a backstop; changes forget it at once). */
const MEMBERSHIP_TTL_MS = 60_000;

/**
 * The sessions module's entry point (seed 000 §5.3, seed 002): other modules and routes call it,
 * never the repository. Each user action is one use case in a file named after it
 * (`create-private-session.ts`, `join-by-code.ts`, `start-session.ts`, `end-session.ts`,
 * `leave-session.ts`, `recording-consent.ts`, `rate-session.ts`, `session-reads.ts`); what
 * signaling calls is `participation.ts`; the shared transactional core is `session-core.ts`; the
 * lifecycle sweep is `sessions.jobs.ts`. Every state change and its event commit in one
 * transaction; changes reach `onChange` listeners (signaling) after the commit.
 */
export class SessionsService {
  private readonly core: SessionCore;
  private readonly inviteLimits: InviteAttemptLimits;
  private readonly consentHooks = new Set<ConsentHook>();
  /** Participation and presence, for signaling (its `SignalingSessions` port). */
  readonly participation: SessionParticipation;

  constructor(deps: SessionsDeps) {
    const membership = deps.cacheMembership ? new MembershipCache({ ttlMs: MEMBERSHIP_TTL_MS, maxSessions: 10_000 }) : null;
    this.core = new SessionCore(deps.db, deps.rules, deps.registrations, deps.outbox, deps.ledger, membership);
    this.participation = new SessionParticipation(this.core, deps.databaseInProcess);
    this.inviteLimits = deps.inviteLimits;
  }

  /** Subscribes to committed state changes. @returns the unsubscribe function. */
  onChange(listener: (change: SessionChange) => void): () => void {
    return this.core.onChange(listener);
  }

  /**
   * Matchmaking's sessions and their participants, in its transaction (`slot-sessions.ts`);
   * `placements` is the registrations module's select of the placed members.
   */
  createSlotSessions(tx: Executor, planned: readonly PlannedSlotSession[], placements: Placements, now: Date): Promise<void> {
    return createSlotSessions(tx, planned, placements, now);
  }

  /**
   * `POST /api/sessions` (`create-private-session.ts`).
   * @param storeAnswer given (a request with an `Idempotency-Key`): called with the new session's
   *   view inside the creating transaction, so the session and the stored answer commit together.
   * @throws AppError limit_reached.
   */
  async createPrivate(user: AuthUser, input: CreatePrivateInput, now: Date, storeAnswer?: (tx: Executor, view: SessionView) => Promise<void>): Promise<SessionView> {
    if (!storeAnswer) return this.getSession(user, await createPrivateSession(this.core, user, input, now));
    let view: SessionView | null = null;
    await createPrivateSession(this.core, user, input, now, async (tx, sessionId) => {
      view = await getSession(tx, this.core.rules, user, sessionId);
      await storeAnswer(tx, view);
    });
    return view!;
  }

  /** `POST /api/sessions/join` (`join-by-code.ts`). @throws AppError rate_limited, not_found, conflict, limit_reached. */
  async joinByCode(user: AuthUser, input: { inviteCode: string; recordingConsent?: boolean }, context: { address: string }, now: Date): Promise<{ session: SessionView; created: boolean }> {
    const { sessionId, created } = await joinByCode(this.core, this.inviteLimits, user, input, context, now);
    return { session: await this.getSession(user, sessionId), created };
  }

  /** `POST /api/sessions/{id}/start` (`start-session.ts`). @throws AppError not_found, forbidden, conflict. */
  async start(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    await startSession(this.core, user, sessionId, now);
    return this.getSession(user, sessionId);
  }

  /** `POST /api/sessions/{id}/end` (`end-session.ts`). @throws AppError not_found, conflict, forbidden. */
  async end(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    await endSession(this.core, user, sessionId, now);
    return this.getSession(user, sessionId);
  }

  /** `POST /api/sessions/{id}/leave` (`leave-session.ts`). @throws AppError not_found, conflict. */
  async leave(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    await leaveSession(this.core, user, sessionId, now);
    return this.getSession(user, sessionId);
  }

  /** `POST /api/sessions/{id}/consent` (`recording-consent.ts`). @throws AppError not_found, conflict. */
  async setRecordingConsent(user: AuthUser, sessionId: string, consent: boolean, now: Date): Promise<SessionView> {
    await setRecordingConsent(this.core, this.consentHooks, user, sessionId, consent, now);
    return this.getSession(user, sessionId);
  }

  /**
   * Runs `hook` inside every consent change's transaction (`recording-consent.ts`): the recordings
   * module withdraws a user's recordings there when consent goes. @returns the unregister function.
   */
  onConsentChange(hook: ConsentHook): () => void {
    this.consentHooks.add(hook);
    return () => this.consentHooks.delete(hook);
  }

  /**
   * Runs `work` in one transaction as a unit of work of this module: the session changes it queues
   * in `after` (`markRecording`) reach the listeners, and its `after.tasks` run, once it committed;
   * nothing follows a rollback. For modules whose own state changes with the sessions'.
   */
  transact<T>(work: (tx: Executor, after: AfterCommit) => Promise<T>): Promise<T> {
    return this.core.transact(work);
  }

  /**
   * The session and the user's membership for a recording decision (DESIGN 4.7), in `tx`; `lock`
   * locks the session row (`recording-state.ts`). @returns null for no such session; `member`
   * null for a non-member.
   */
  recordingTarget(tx: Executor, sessionId: string, userId: string, opts: { lock: boolean }): Promise<{ session: RecordedSessionView; member: RecordingMemberView | null } | null> {
    return recordingTarget(this.core, tx, sessionId, userId, opts);
  }

  /** Stores whether the member is being recorded now; the call hears a change after the commit (`recording-state.ts`). */
  markRecording(tx: Executor, after: AfterCommit, sessionId: string, userId: string, recording: boolean): Promise<void> {
    return markRecording(tx, after, sessionId, userId, recording);
  }

  /** The sessions among `ids` that exist (state and times), read with `db` (a transaction or the root). */
  recordedSessions(ids: string[], db: Executor = this.core.db): Promise<RecordedSessionView[]> {
    return recordedSessions(this.core, db, ids);
  }

  /** `POST /api/sessions/{id}/rating` (`rate-session.ts`). @throws AppError not_found, conflict. */
  rate(user: AuthUser, sessionId: string, input: { rating: number; comment?: string }, now: Date): Promise<RatingView> {
    return rateSession(this.core.db, user, sessionId, input, now);
  }

  /** `GET /api/sessions/history` (`session-reads.ts`). @throws AppError validation/INVALID_CURSOR. */
  history(user: AuthUser, query: { cursor?: string; limit?: number }): Promise<{ items: HistoryItem[]; nextCursor: string | null }> {
    return sessionHistory(this.core.db, user, query);
  }

  /** `GET /api/sessions/current` (`session-reads.ts`). @throws AppError not_found/NO_CURRENT_SESSION. */
  getCurrent(user: AuthUser, now: Date): Promise<SessionView> {
    return getCurrentSession(this.core.db, this.core.rules, user, now);
  }

  /** `GET /api/sessions/{id}` for a member (`session-reads.ts`). @throws AppError not_found/SESSION_NOT_FOUND. */
  getSession(user: AuthUser, sessionId: string): Promise<SessionView> {
    return getSession(this.core.db, this.core.rules, user, sessionId);
  }

  /** `GET /api/sessions/{id}/participants`. @throws AppError not_found/SESSION_NOT_FOUND. */
  async listParticipants(user: AuthUser, sessionId: string): Promise<{ items: ParticipantView[] }> {
    return { items: (await this.getSession(user, sessionId)).participants };
  }

  /** Signaling admission (`participation.ts`). @throws AppError not_found, forbidden, conflict. */
  authorizeSignaling(sessionId: string, userId: string, now: Date): Promise<SignalingAdmissionView> {
    return this.participation.authorizeSignaling(sessionId, userId, now);
  }

  /** A speaking stretch reported over signaling (`participation.ts`), bounded by presence. */
  addSpeakingTime(sessionId: string, userId: string, seconds: number, now: Date): Promise<void> {
    return this.participation.addSpeakingTime(sessionId, userId, seconds, now);
  }

  /**
   * The sessions module's share of a user's erasure (`erase-user.ts`), in the erasure's
   * transaction, with the user's counted invite-code attempts. @returns what to do once it committed, if anything.
   */
  async eraseUser(tx: Executor, userId: string): Promise<void | (() => Promise<void>)> {
    await eraseUserFromSessions(tx, userId);
    const forget = await this.inviteLimits.store.forget(tx, `user:${userId}`);
    const membership = this.core.membership;
    if (!membership) return forget;
    // Once committed: participations gone, hosts handed over, in sessions we do not list here.
    return async () => {
      membership.clear();
      await forget?.();
    };
  }

  /** Forgets invite-code attempts older than every window (a job). @returns how many. */
  pruneInviteAttempts(now: Date): Promise<number> {
    return this.inviteLimits.store.prune(now.getTime() - Math.max(this.inviteLimits.windowMs, 3_600_000));
  }

  /** The lifecycle sweep (`sessions.jobs.ts`). @returns the committed changes. */
  runLifecycle(now: Date): Promise<SessionChange[]> {
    return runSessionLifecycle(this.core, now);
  }
}
