import crypto from 'node:crypto';
import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/locks.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { EventsService } from '../events/events.service.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import { AttemptLimiter, type AttemptLimits } from './attempt-limiter.ts';
import { nextHost } from './host-handover.ts';
import { generateInviteCode, normaliseInviteCode } from './invite-code.ts';
import { sessionsRepository, type ParticipantRow, type SessionRow, type SessionState } from './sessions.repository.ts';

/** Why a session ended (DESIGN 2). */
export type EndReason = 'completed' | 'timeout' | 'host_ended' | 'all_left' | 'cancelled';

/** A state change pushed to connected clients over signaling after it committed. */
export type SessionChange =
  | { type: 'started'; sessionId: string; startedAt: string }
  | { type: 'left'; sessionId: string; userId: string }
  | { type: 'host-changed'; sessionId: string; hostUserId: string }
  | { type: 'ended'; sessionId: string; reason: EndReason };

/** A participant as clients see it (seed 002 AC4, DESIGN 2). */
export interface ParticipantView {
  userId: string;
  displayName: string;
  role: 'host' | 'participant';
  /** `waiting` (never connected) | `connected` | `disconnected`. */
  status: 'waiting' | 'connected' | 'disconnected';
  micEnabled: boolean;
  cameraEnabled: boolean;
  recordingConsent: boolean;
  joinedAt: string | null;
  leftAt: string | null;
  presenceSeconds: number;
  speakingTimeSeconds: number;
}

/**
 * What signaling admission needs (`authorizeSignaling`): the session's state and the caller's
 * participation. Times are ISO 8601 UTC.
 */
export interface SignalingAdmissionView {
  session: Pick<SessionView, 'id' | 'status' | 'startedAt' | 'endsAt'>;
  participant: ParticipantView;
}

/** A session as clients see it. Times are ISO 8601 UTC. */
export interface SessionView {
  id: string;
  type: 'public' | 'private';
  timeSlotId: string | null;
  targetLanguageCode: string;
  level: string | null;
  topicId: string | null;
  topicTitle: string | null;
  status: 'waiting' | 'active' | 'ended';
  endReason: EndReason | null;
  hostUserId: string | null;
  maxParticipants: number;
  /** Private sessions only, shown to members while the session is live. */
  inviteCode: string | null;
  scheduledStartAt: string | null;
  scheduledEndAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** When the session will end on its own (slot end, or private timeout once started), or null. */
  endsAt: string | null;
  recordingEnabled: boolean;
  participants: ParticipantView[];
}

/** One entry of `GET /api/sessions/history` (seed 002 AC8, seed 000 §3.4). */
export interface HistoryItem {
  id: string;
  type: 'public' | 'private';
  targetLanguageCode: string;
  level: string | null;
  topicTitle: string | null;
  participantCount: number;
  durationSeconds: number;
  status: 'ended';
  endReason: EndReason | null;
  startedAt: string | null;
  endedAt: string | null;
  myPresenceSeconds: number;
  mySpeakingTimeSeconds: number;
  myRating: { rating: number; comment: string | null } | null;
}

/** One member of a group formed by matchmaking. */
export interface MatchedMember {
  registrationId: string;
  userId: string;
  displayName: string;
}

/** The slot fields a slot session copies. */
export interface SlotForSession {
  id: string;
  targetLanguageCode: string;
  level: string;
  startTime: Date;
  durationMinutes: number;
}

/** Input of `POST /api/sessions` (seed 002 AC2). */
export interface CreatePrivateInput {
  targetLanguageCode: string;
  level?: string;
  topicId?: string;
  topicTitle?: string;
  /** 2..6, default 4 (DESIGN 2). */
  maxParticipants?: number;
  recordingConsent?: boolean;
}

/** Per-user session limits (seed 002 AC9, seed 000 §7.3). */
export const MAX_ACTIVE_SESSIONS = 3;
export const FREE_DAILY_SESSIONS = 10;
/** Default failed invite-code attempts per user and per address (settings `INVITE_CODE_*`). */
export const DEFAULT_INVITE_ATTEMPT_LIMITS = { perUser: { maxFailures: 10, windowMs: 15 * 60_000 }, perAddress: { maxFailures: 30, windowMs: 15 * 60_000 } };

type Ended = { sessionId: string; reason: EndReason };

/**
 * Speaking time held in memory by signaling and not written yet, per user id, in ms up to
 * `nowMs` (UTC epoch ms): of one user when `userId` is given, of every local connection of the
 * session otherwise. Must not change anything: the caller's transaction may roll back.
 */
export type UnwrittenSpeakingSource = (sessionId: string, userId: string | null, nowMs: number) => ReadonlyMap<string, number>;

/**
 * Sessions and their participants (seed 000 §5.3, seed 002): slot sessions created by matchmaking,
 * private sessions with invite codes, the host role, leave/start/end, presence and speaking time,
 * history and ratings, per-user limits, outbox events, and the lifecycle sweep.
 * Every state change and its event commit in one transaction; changes are pushed to `onChange`
 * listeners (signaling) after the commit.
 */
export class SessionsService {
  private readonly listeners = new Set<(change: SessionChange) => void>();
  private unwrittenSpeaking: UnwrittenSpeakingSource = () => new Map();
  private readonly userAttempts: AttemptLimiter;
  private readonly addressAttempts: AttemptLimiter;

  constructor(
    private readonly db: Executor,
    private readonly rules: RuleSettings,
    private readonly registrations: RegistrationsService,
    private readonly events: EventsService,
    inviteLimits: { perUser: AttemptLimits; perAddress: AttemptLimits } = DEFAULT_INVITE_ATTEMPT_LIMITS,
  ) {
    this.userAttempts = new AttemptLimiter(inviteLimits.perUser);
    this.addressAttempts = new AttemptLimiter(inviteLimits.perAddress);
  }

  /**
   * Lets signaling report the speaking time it holds in memory and has not written yet (stretches
   * still open, writes it batches): read inside the transaction that closes a participation or
   * ends a session, so that `participant.left` and `session.ended` count speaking up to `now`
   * (seed 002 AC4). After such a change, signaling drops what it reported instead of writing it.
   */
  setUnwrittenSpeakingSource(source: UnwrittenSpeakingSource): void {
    this.unwrittenSpeaking = source;
  }

  /** Subscribes to committed state changes. @returns the unsubscribe function. */
  onChange(listener: (change: SessionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Creates one `waiting` public session per group, for several slots, inside the caller's
   * transaction; the first matched member of a group is its host (seed 002 AC1). Two statements
   * whatever the number of sessions: matchmaking forms thousands in one sweep (DESIGN 6).
   * @returns the new session ids, per slot in group order.
   */
  async createSlotSessions(tx: Executor, batch: { slot: SlotForSession; groups: MatchedMember[][] }[], now: Date): Promise<string[][]> {
    const ids = batch.map(({ groups }) => groups.map(() => crypto.randomUUID()));
    const sessionRows: SessionRow[] = [];
    const participantRows: ParticipantRow[] = [];
    batch.forEach(({ slot, groups }, s) =>
      groups.forEach((group, g) => {
        sessionRows.push({
          ...newSessionRow(ids[s][g], now),
          type: 'public',
          timeSlotId: slot.id,
          targetLanguageCode: slot.targetLanguageCode,
          level: slot.level,
          hostUserId: group[0].userId,
          maxParticipants: group.length,
          scheduledStartAt: slot.startTime,
          scheduledEndAt: new Date(slot.startTime.getTime() + slot.durationMinutes * 60_000),
        });
        group.forEach((m, i) =>
          participantRows.push({
            // createdAt + i keeps the matching order for host hand-over.
            ...newParticipantRow(ids[s][g], m.userId, m.displayName, i === 0 ? 'host' : 'participant', false, new Date(now.getTime() + i)),
            registrationId: m.registrationId,
          }),
        );
      }),
    );
    await sessionsRepository.insertSlotSessionsBulk(tx, sessionRows);
    await sessionsRepository.insertNewParticipantsBulk(tx, participantRows);
    return ids;
  }

  /**
   * Creates a private session whose creator is host, with a fresh invite code (seed 002 AC2).
   * @throws AppError limit_reached/TOO_MANY_ACTIVE_SESSIONS or DAILY_SESSION_LIMIT.
   */
  async createPrivate(user: AuthUser, input: CreatePrivateInput, now: Date): Promise<SessionView> {
    const id = crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.transaction(async (tx) => {
          await sessionsRepository.lockUser(tx, user.id);
          await this.checkUserLimits(tx, user, now, true);
          const consent = input.recordingConsent ?? false;
          await sessionsRepository.insertSessions(tx, [
            {
              ...newSessionRow(id, now),
              type: 'private',
              targetLanguageCode: input.targetLanguageCode,
              level: input.level ?? null,
              topicId: input.topicId ?? null,
              topicTitle: input.topicTitle ?? null,
              hostUserId: user.id,
              maxParticipants: input.maxParticipants ?? 4,
              inviteCode: generateInviteCode(),
              recordingEnabled: consent,
              lastPresenceAt: now,
            },
          ]);
          await sessionsRepository.insertParticipants(tx, [newParticipantRow(id, user.id, user.name, 'host', consent, now)]);
        });
        break;
      } catch (err) {
        // A code already used by a live session: draw another (unique partial index).
        if (isUniqueViolation(err) && attempt < 5) continue;
        throw err;
      }
    }
    return this.getSession(user, id);
  }

  /**
   * Joins a private session by invite code (seed 002 AC3). Failed attempts are limited per user
   * and per address.
   * @returns the session and whether a participant was created (false: already a member).
   * @throws AppError rate_limited/RATE_LIMITED (details.retryAfterS), not_found/INVITE_CODE_NOT_FOUND,
   *   conflict/SESSION_FULL, limit_reached/TOO_MANY_ACTIVE_SESSIONS or DAILY_SESSION_LIMIT.
   */
  async joinByCode(
    user: AuthUser,
    input: { inviteCode: string; recordingConsent?: boolean },
    context: { address: string },
    now: Date,
  ): Promise<{ session: SessionView; created: boolean }> {
    const keys = [`user:${user.id}`, `address:${context.address}`];
    const retryAfterS = Math.max(this.userAttempts.retryAfterS(keys[0], now.getTime()), this.addressAttempts.retryAfterS(keys[1], now.getTime()));
    if (retryAfterS > 0) {
      throw new AppError('rate_limited', 'RATE_LIMITED', `Too many wrong invite codes; try again in ${retryAfterS} s`, { retryAfterS });
    }
    const code = normaliseInviteCode(input.inviteCode);
    const session = code ? await sessionsRepository.findLiveByInviteCode(this.db, code) : undefined;
    if (!session) {
      this.userAttempts.recordFailure([keys[0]], now.getTime());
      this.addressAttempts.recordFailure([keys[1]], now.getTime());
      throw new AppError('not_found', 'INVITE_CODE_NOT_FOUND', 'No live session has this invite code');
    }
    const created = await this.db.transaction(async (tx) => {
      await sessionsRepository.lockUser(tx, user.id);
      const locked = await sessionsRepository.lockById(tx, session.id);
      if (!locked || locked.status === 'ended') throw new AppError('not_found', 'INVITE_CODE_NOT_FOUND', 'No live session has this invite code');
      const members = await sessionsRepository.listParticipants(tx, locked.id);
      const mine = members.find((m) => m.userId === user.id);
      if (mine && mine.leftAt === null) return false;
      const present = members.filter((m) => m.leftAt === null).length;
      if (present >= locked.maxParticipants) throw new AppError('conflict', 'SESSION_FULL', 'This session is full');
      await this.checkUserLimits(tx, user, now, !mine);
      const consent = input.recordingConsent ?? false;
      if (mine) {
        await sessionsRepository.updateParticipant(tx, mine.id, { leftAt: null, leftReason: null, status: 'waiting', recordingConsent: consent, role: 'participant' });
      } else {
        await sessionsRepository.insertParticipants(tx, [newParticipantRow(locked.id, user.id, user.name, 'participant', consent, now)]);
      }
      await sessionsRepository.updateSession(tx, locked.id, {
        recordingEnabled: consent || members.some((m) => m.userId !== user.id && m.leftAt === null && m.recordingConsent),
        lastPresenceAt: now,
        updatedAt: now,
      });
      return true;
    });
    return { session: await this.getSession(user, session.id), created };
  }

  /**
   * The host starts a waiting private session (seed 002 AC5).
   * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_HOST, conflict/INVALID_STATE.
   */
  async start(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    const startedAt = await this.db.transaction(async (tx) => {
      const session = await this.lockAsMember(tx, sessionId, user.id);
      if (session.hostUserId !== user.id) throw new AppError('forbidden', 'NOT_HOST', 'Only the host may start the session');
      if (session.type !== 'private') throw new AppError('conflict', 'INVALID_STATE', 'Slot sessions start at the slot time');
      if (session.status !== 'waiting') throw new AppError('conflict', 'INVALID_STATE', `The session is ${session.status}`);
      await this.startInTransaction(tx, session, now);
      return now;
    });
    this.emit({ type: 'started', sessionId, startedAt: startedAt.toISOString() });
    return this.getSession(user, sessionId);
  }

  /**
   * The host ends the session for everyone (seed 002 AC7, reason `host_ended`).
   * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_HOST, conflict/SESSION_ENDED.
   */
  async end(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    await this.db.transaction(async (tx) => {
      const session = await this.lockAsMember(tx, sessionId, user.id);
      if (session.status === 'ended') throw new AppError('conflict', 'SESSION_ENDED', 'This session has ended');
      if (session.hostUserId !== user.id) throw new AppError('forbidden', 'NOT_HOST', 'Only the host may end the session');
      await this.endInTransaction(tx, session, 'host_ended', now);
    });
    this.emit({ type: 'ended', sessionId, reason: 'host_ended' });
    return this.getSession(user, sessionId);
  }

  /**
   * The caller leaves on purpose (`POST /api/sessions/{id}/leave`, seed 002 AC6): presence is
   * counted up to `now`, `leftAt` set, the others told at once; a leaving host of a private
   * session hands over to the longest-present member. Idempotent.
   * @throws AppError not_found/SESSION_NOT_FOUND (also for non-members), conflict/SESSION_ENDED.
   */
  async leave(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    const outcome = await this.db.transaction(async (tx) => {
      const session = await this.lockAsMember(tx, sessionId, user.id);
      if (session.status === 'ended') throw new AppError('conflict', 'SESSION_ENDED', 'This session has ended');
      const p = (await sessionsRepository.lockParticipant(tx, sessionId, user.id))!;
      if (p.leftAt !== null && p.leftReason === 'left') return { newHost: null, ended: null };
      return this.closeParticipation(tx, session, p, p.leftAt ?? now, 'left', now);
    });
    this.emit({ type: 'left', sessionId, userId: user.id });
    this.emitOutcome(sessionId, outcome);
    return this.getSession(user, sessionId);
  }

  /**
   * Records the caller's recording consent (seed 000 §5.4: chosen before joining); the session
   * records audio when at least one member consents.
   * @throws AppError not_found/SESSION_NOT_FOUND, conflict/SESSION_ENDED.
   */
  async setRecordingConsent(user: AuthUser, sessionId: string, consent: boolean, now: Date): Promise<SessionView> {
    await this.db.transaction(async (tx) => {
      const session = await this.lockAsMember(tx, sessionId, user.id);
      if (session.status === 'ended') throw new AppError('conflict', 'SESSION_ENDED', 'This session has ended');
      const members = await sessionsRepository.listParticipants(tx, sessionId);
      const me = members.find((m) => m.userId === user.id)!;
      await sessionsRepository.updateParticipant(tx, me.id, { recordingConsent: consent });
      const anyone = members.some((m) => (m.id === me.id ? consent : m.recordingConsent && m.leftAt === null));
      await sessionsRepository.updateSession(tx, sessionId, { recordingEnabled: anyone, updatedAt: now });
    });
    return this.getSession(user, sessionId);
  }

  /**
   * Rates an ended session, once per participant (seed 000 §3.4).
   * @throws AppError not_found/SESSION_NOT_FOUND, conflict/SESSION_NOT_ENDED, conflict/ALREADY_RATED.
   */
  async rate(
    user: AuthUser,
    sessionId: string,
    input: { rating: number; comment?: string },
    now: Date,
  ): Promise<{ rating: number; comment: string | null; createdAt: string }> {
    const session = await sessionsRepository.findById(this.db, sessionId);
    if (!session || !(await sessionsRepository.findParticipant(this.db, sessionId, user.id))) {
      throw new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session');
    }
    if (session.status !== 'ended') throw new AppError('conflict', 'SESSION_NOT_ENDED', 'A session can be rated once it has ended');
    const comment = input.comment?.trim() ? input.comment.trim() : null;
    try {
      await sessionsRepository.insertRating(this.db, { sessionId, userId: user.id, rating: input.rating, comment, createdAt: now });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', 'ALREADY_RATED', 'You have already rated this session');
      throw err;
    }
    return { rating: input.rating, comment, createdAt: now.toISOString() };
  }

  /**
   * The caller's ended sessions, newest first (seed 002 AC8).
   * @throws AppError validation/INVALID_CURSOR.
   */
  async history(user: AuthUser, query: { cursor?: string; limit?: number }): Promise<{ items: HistoryItem[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await sessionsRepository.listHistory(this.db, user.id, {
      before: before ? { at: new Date(before.at), id: before.id } : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.session.id,
        type: r.session.type as HistoryItem['type'],
        targetLanguageCode: r.session.targetLanguageCode,
        level: r.session.level,
        topicTitle: r.session.topicTitle,
        participantCount: r.participantCount,
        durationSeconds:
          r.session.startedAt && r.session.endedAt ? Math.max(0, Math.round((r.session.endedAt.getTime() - r.session.startedAt.getTime()) / 1000)) : 0,
        status: 'ended',
        endReason: r.session.endReason as EndReason | null,
        startedAt: iso(r.session.startedAt),
        endedAt: iso(r.session.endedAt),
        myPresenceSeconds: r.me.presenceSeconds,
        mySpeakingTimeSeconds: Math.floor(r.me.speakingTimeMs / 1000),
        myRating: r.rating,
      })),
      nextCursor: rows.length > limit && last?.session.endedAt ? encodeCursor({ at: last.session.endedAt.toISOString(), id: last.session.id }) : null,
    };
  }

  /**
   * The caller's session that is active, or waiting with its join window open (DESIGN 4.6);
   * sessions the caller left on purpose are not offered again.
   * @throws AppError not_found/NO_CURRENT_SESSION.
   */
  async getCurrent(user: AuthUser, now: Date): Promise<SessionView> {
    const row = await sessionsRepository.findCurrentForUser(this.db, user.id, new Date(now.getTime() + this.rules.joinWindowMs));
    if (!row) throw new AppError('not_found', 'NO_CURRENT_SESSION', 'You have no session to join right now');
    return this.view(row);
  }

  /**
   * A session the caller is a member of.
   * @throws AppError not_found/SESSION_NOT_FOUND (also for non-members: no existence leak).
   */
  async getSession(user: AuthUser, sessionId: string): Promise<SessionView> {
    const row = await sessionsRepository.findById(this.db, sessionId);
    if (!row || !(await sessionsRepository.findParticipant(this.db, sessionId, user.id))) {
      throw new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session');
    }
    return this.view(row);
  }

  /** The participants of a session the caller is a member of. @throws AppError not_found/SESSION_NOT_FOUND. */
  async listParticipants(user: AuthUser, sessionId: string): Promise<{ items: ParticipantView[] }> {
    return { items: (await this.getSession(user, sessionId)).participants };
  }

  /**
   * Checks that `userId` may open signaling in `sessionId` at `now`: a member who did not leave on
   * purpose, of a session that is active, or waiting (slot sessions: inside the join window).
   * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_A_PARTICIPANT, forbidden/LEFT_SESSION,
   *   conflict/SESSION_ENDED, conflict/JOIN_WINDOW_NOT_OPEN.
   */
  async authorizeSignaling(sessionId: string, userId: string, now: Date): Promise<SignalingAdmissionView> {
    // One query on the way in: at a slot start every member is admitted within seconds.
    const found = await sessionsRepository.findParticipation(this.db, sessionId, userId);
    if (!found) {
      if (!(await sessionsRepository.findById(this.db, sessionId))) throw new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session');
      throw new AppError('forbidden', 'NOT_A_PARTICIPANT', 'You are not a participant of this session');
    }
    const { session: row, participant } = found;
    if (row.status === 'ended') throw new AppError('conflict', 'SESSION_ENDED', 'This session has ended');
    if (participant.leftReason === 'left') {
      throw new AppError('forbidden', 'LEFT_SESSION', row.type === 'private' ? 'You left this session; join again with its code' : 'You left this session');
    }
    if (row.status === 'waiting' && row.scheduledStartAt && now.getTime() < row.scheduledStartAt.getTime() - this.rules.joinWindowMs) {
      const opensAt = new Date(row.scheduledStartAt.getTime() - this.rules.joinWindowMs).toISOString();
      throw new AppError('conflict', 'JOIN_WINDOW_NOT_OPEN', `The waiting room opens at ${opensAt}`, { opensAt });
    }
    return {
      session: { id: row.id, status: row.status as SessionView['status'], startedAt: iso(row.startedAt), endsAt: this.endsAt(row) },
      participant: toParticipantView(participant),
    };
  }

  /** A signaling connection was accepted: the participant is `connected` (joinedAt set once). */
  async markConnected(sessionId: string, userId: string, now: Date): Promise<void> {
    // One statement; `lastPresenceAt` is on the participant, not the session row: a lifecycle
    // sweep holding the session (SKIP LOCKED) must not be delayed.
    await sessionsRepository.markConnected(this.db, sessionId, userId, now);
  }

  /** The signaling connection dropped: `disconnected`, presence counted up to `now`. */
  async markDropped(sessionId: string, userId: string, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!p || p.status !== 'connected') return;
      await sessionsRepository.updateParticipant(tx, p.id, {
        status: 'disconnected',
        connectedSince: null,
        presenceSeconds: presenceUpTo(p, now),
        lastPresenceAt: now,
      });
    });
  }

  /**
   * A drop became final (reconnect window over): `leftAt` is the drop time, `participant.left` is
   * recorded, a host hands over, and the session may end `all_left`.
   */
  async markLeft(sessionId: string, userId: string, leftAt: Date, now: Date): Promise<void> {
    const outcome = await this.db.transaction(async (tx) => {
      const session = await sessionsRepository.lockById(tx, sessionId);
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!session || !p || p.status === 'connected' || p.leftAt !== null || session.status === 'ended') return null; // came back, or already closed
      return this.closeParticipation(tx, session, p, leftAt, 'disconnected', now);
    });
    if (outcome) this.emitOutcome(sessionId, outcome);
  }

  /** Stores a participant's microphone and camera state (seed 000 §3.3). */
  async setMediaState(sessionId: string, userId: string, state: { micEnabled: boolean; cameraEnabled: boolean }, _now: Date): Promise<void> {
    const p = await sessionsRepository.findParticipant(this.db, sessionId, userId);
    if (!p) return;
    await sessionsRepository.updateParticipant(this.db, p.id, { micEnabled: state.micEnabled, cameraEnabled: state.cameraEnabled });
  }

  /**
   * Adds a stretch of speaking reported over signaling (seed 002 AC4). The total never exceeds
   * the participant's presence up to `now`, so a client cannot inflate it.
   * @param seconds length of the stretch, in seconds (fractions kept to the ms).
   */
  async addSpeakingTime(sessionId: string, userId: string, seconds: number, now: Date): Promise<void> {
    if (!(seconds > 0) || !Number.isFinite(seconds)) return;
    await this.db.transaction(async (tx) => {
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!p) return;
      const presenceMs = p.presenceSeconds * 1000 + (p.connectedSince ? Math.max(0, now.getTime() - p.connectedSince.getTime()) : 0);
      const speakingTimeMs = Math.min(presenceMs, p.speakingTimeMs + Math.round(seconds * 1000));
      if (speakingTimeMs !== p.speakingTimeMs) await sessionsRepository.updateParticipant(tx, p.id, { speakingTimeMs });
    });
  }

  /**
   * Lifecycle sweep (seed 000 §5.3, seed 002 AC7, DESIGN 4.6), safe on several instances
   * (`SKIP LOCKED`): slot sessions start at the slot time, end `cancelled` when fewer than 2
   * members joined by `RULES_START_GRACE`, and end at the slot end; private sessions end
   * `timeout` after `RULES_PRIVATE_SESSION_TIMEOUT`; private sessions nobody is connected to for
   * `RULES_ORPHAN_TIMEOUT` are cleaned up.
   * @returns the committed changes (also pushed to `onChange` listeners).
   */
  async runLifecycle(now: Date): Promise<SessionChange[]> {
    const batch = 100;
    const started = await this.db.transaction(async (tx) => {
      const out: SessionChange[] = [];
      for (const s of await sessionsRepository.claimSessionsToStart(tx, now, batch)) {
        // A session whose end already passed (jobs were stopped) is completed below, not started.
        if (s.scheduledEndAt && s.scheduledEndAt.getTime() <= now.getTime()) continue;
        const startedAt = s.scheduledStartAt ?? now;
        await this.startInTransaction(tx, s, startedAt);
        out.push({ type: 'started', sessionId: s.id, startedAt: startedAt.toISOString() });
      }
      return out;
    });
    const ended = await this.db.transaction(async (tx) => {
      const out: Ended[] = [];
      const endAll = async (rows: SessionRow[], reasonOf: (s: SessionRow, members: ParticipantRow[]) => EndReason) => {
        for (const s of rows) {
          if (s.status === 'ended' || out.some((e) => e.sessionId === s.id)) continue;
          const reason = reasonOf(s, await sessionsRepository.listParticipants(tx, s.id));
          await this.endInTransaction(tx, s, reason, now);
          out.push({ sessionId: s.id, reason });
        }
      };
      const joinedCount = (members: ParticipantRow[]) => members.filter((m) => m.joinedAt).length;
      await endAll(await sessionsRepository.claimSessionsToCancel(tx, new Date(now.getTime() - this.rules.startGraceMs), batch), () => 'cancelled');
      await endAll(await sessionsRepository.claimSessionsPastEnd(tx, now, batch), (_s, m) => (joinedCount(m) >= 2 ? 'completed' : 'cancelled'));
      await endAll(
        await sessionsRepository.claimPrivateSessionsTimedOut(tx, new Date(now.getTime() - this.rules.privateSessionTimeoutMs), batch),
        () => 'timeout',
      );
      await endAll(
        await sessionsRepository.claimOrphanedPrivateSessions(tx, new Date(now.getTime() - this.rules.orphanTimeoutMs), batch),
        (_s, m) => (joinedCount(m) > 0 ? 'all_left' : 'cancelled'),
      );
      return out;
    });
    const changes: SessionChange[] = [...started, ...ended.map((e): SessionChange => ({ type: 'ended', ...e }))];
    for (const change of changes) this.emit(change);
    return changes;
  }

  /** Limits of seed 002 AC9 for a user about to take a seat; run under the user's lock. */
  private async checkUserLimits(tx: Executor, user: AuthUser, now: Date, newParticipation: boolean): Promise<void> {
    if ((await sessionsRepository.countActiveParticipations(tx, user.id)) >= MAX_ACTIVE_SESSIONS) {
      throw new AppError('limit_reached', 'TOO_MANY_ACTIVE_SESSIONS', `At most ${MAX_ACTIVE_SESSIONS} active sessions at once`, {
        limit: MAX_ACTIVE_SESSIONS,
      });
    }
    if (!newParticipation || user.tier === 'premium') return;
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const dayEnd = new Date(dayStart.getTime() + 86_400_000);
    if ((await sessionsRepository.countParticipationsBetween(tx, user.id, dayStart, dayEnd)) >= FREE_DAILY_SESSIONS) {
      throw new AppError('limit_reached', 'DAILY_SESSION_LIMIT', `The free tier allows ${FREE_DAILY_SESSIONS} sessions per day (UTC); premium is unlimited`, {
        limit: FREE_DAILY_SESSIONS,
        resetsAt: dayEnd.toISOString(),
      });
    }
  }

  /** Locks a session the user is a member of. @throws AppError not_found/SESSION_NOT_FOUND. */
  private async lockAsMember(tx: Executor, sessionId: string, userId: string): Promise<SessionRow> {
    const session = await sessionsRepository.lockById(tx, sessionId);
    if (!session || !(await sessionsRepository.findParticipant(tx, sessionId, userId))) {
      throw new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session');
    }
    return session;
  }

  private async startInTransaction(tx: Executor, session: SessionRow, startedAt: Date): Promise<void> {
    await sessionsRepository.updateSession(tx, session.id, { status: 'active', startedAt, updatedAt: startedAt });
    const members = await sessionsRepository.listParticipants(tx, session.id);
    await this.events.record(tx, {
      type: 'session.started',
      subject: session.id,
      key: session.id,
      time: startedAt,
      data: {
        ...sessionEventFields(session),
        hostUserId: session.hostUserId,
        startedAt: startedAt.toISOString(),
        participants: members.filter((m) => m.leftAt === null).map((m) => ({ userId: m.userId, role: m.role })),
      },
    });
  }

  /**
   * Closes one participation (`leftAt`, reason, presence), records `participant.left`, hands the
   * host role over in private sessions, and ends the session `all_left` when nobody remains:
   * for a private session, no member left; for a slot session, every member who connected has left
   * (and at least two did; fewer is the grace rule's `cancelled`).
   */
  private async closeParticipation(
    tx: Executor,
    session: SessionRow,
    p: ParticipantRow,
    leftAt: Date,
    reason: 'left' | 'disconnected',
    now: Date,
  ): Promise<{ newHost: string | null; ended: EndReason | null }> {
    const presenceSeconds = presenceUpTo(p, now);
    const unwrittenMs = this.unwrittenSpeaking(session.id, p.userId, now.getTime()).get(p.userId) ?? 0;
    const speakingTimeMs = Math.min(p.speakingTimeMs + Math.round(unwrittenMs), presenceSeconds * 1000);
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
    if (p.joinedAt) {
      await this.events.record(tx, {
        type: 'participant.left',
        subject: session.id,
        key: session.id,
        time: leftAt,
        data: {
          sessionId: session.id,
          userId: p.userId,
          reason,
          joinedAt: p.joinedAt.toISOString(),
          leftAt: leftAt.toISOString(),
          presenceSeconds,
          speakingTimeSeconds: Math.floor(speakingTimeMs / 1000),
        },
      });
    }
    const members = (await sessionsRepository.listParticipants(tx, session.id)).map((m) => (m.id === p.id ? { ...m, leftAt } : m));
    let newHost: string | null = null;
    if (session.type === 'private' && session.hostUserId === p.userId) {
      newHost = nextHost(members, p.userId);
      if (newHost) {
        await sessionsRepository.updateSession(tx, session.id, { hostUserId: newHost });
        const next = members.find((m) => m.userId === newHost)!;
        await sessionsRepository.updateParticipant(tx, next.id, { role: 'host' });
      }
    }
    const remaining = members.filter((m) => m.leftAt === null);
    const joined = members.filter((m) => m.joinedAt !== null);
    const everyoneGone =
      session.type === 'private'
        ? remaining.length === 0
        : session.status === 'active' && joined.length >= 2 && joined.every((m) => m.leftAt !== null);
    if (everyoneGone) {
      await this.endInTransaction(tx, { ...session, hostUserId: newHost ?? session.hostUserId }, 'all_left', now);
      return { newHost: null, ended: 'all_left' };
    }
    return { newHost, ended: null };
  }

  /** Ends a locked session: status, reason, participations closed, attendance, `session.ended`. */
  private async endInTransaction(tx: Executor, session: SessionRow, reason: EndReason, now: Date): Promise<void> {
    await sessionsRepository.updateSession(tx, session.id, { status: 'ended', endReason: reason, endedAt: now, updatedAt: now });
    // Speaking not written yet counts, before closeParticipations bounds it by presence.
    for (const [userId, ms] of this.unwrittenSpeaking(session.id, null, now.getTime())) {
      await sessionsRepository.addSpeakingToOpenParticipation(tx, session.id, userId, Math.round(ms));
    }
    await sessionsRepository.closeParticipations(tx, session.id, now);
    const members = await sessionsRepository.listParticipants(tx, session.id);
    if (session.type === 'public') {
      const regs = (pred: (m: ParticipantRow) => boolean) => members.filter((m) => m.registrationId && pred(m)).map((m) => m.registrationId as string);
      await this.registrations.recordAttendance(tx, regs((m) => m.joinedAt !== null), regs((m) => m.joinedAt === null));
    }
    await this.events.record(tx, {
      type: 'session.ended',
      subject: session.id,
      key: session.id,
      time: now,
      data: {
        ...sessionEventFields(session),
        reason,
        startedAt: iso(session.startedAt),
        endedAt: now.toISOString(),
        durationSeconds: session.startedAt ? Math.max(0, Math.round((now.getTime() - session.startedAt.getTime()) / 1000)) : 0,
        recordingEnabled: session.recordingEnabled,
        participants: members.map((m) => ({
          userId: m.userId,
          role: m.role,
          joinedAt: iso(m.joinedAt),
          leftAt: iso(m.leftAt),
          presenceSeconds: m.presenceSeconds,
          speakingTimeSeconds: Math.floor(m.speakingTimeMs / 1000),
          recordingConsent: m.recordingConsent,
        })),
      },
    });
  }

  private emitOutcome(sessionId: string, outcome: { newHost: string | null; ended: EndReason | null }): void {
    if (outcome.newHost) this.emit({ type: 'host-changed', sessionId, hostUserId: outcome.newHost });
    if (outcome.ended) this.emit({ type: 'ended', sessionId, reason: outcome.ended });
  }

  private emit(change: SessionChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // a failing listener must not break the sweep or the request that caused the change
      }
    }
  }

  /** When a live session ends by itself: the slot end, or a private session's timeout after its start; null once ended. */
  private endsAt(row: SessionState): string | null {
    if (row.status === 'ended') return null;
    return iso(row.type === 'private' ? (row.startedAt ? new Date(row.startedAt.getTime() + this.rules.privateSessionTimeoutMs) : null) : row.scheduledEndAt);
  }

  private async view(row: SessionRow): Promise<SessionView> {
    const members = await sessionsRepository.listParticipants(this.db, row.id);
    return {
      id: row.id,
      type: row.type as SessionView['type'],
      timeSlotId: row.timeSlotId,
      targetLanguageCode: row.targetLanguageCode,
      level: row.level,
      topicId: row.topicId,
      topicTitle: row.topicTitle,
      status: row.status as SessionView['status'],
      endReason: row.endReason as EndReason | null,
      hostUserId: row.hostUserId,
      maxParticipants: row.maxParticipants,
      inviteCode: row.status === 'ended' ? null : row.inviteCode,
      scheduledStartAt: iso(row.scheduledStartAt),
      scheduledEndAt: iso(row.scheduledEndAt),
      startedAt: iso(row.startedAt),
      endedAt: iso(row.endedAt),
      endsAt: this.endsAt(row),
      recordingEnabled: row.recordingEnabled,
      participants: members.map(toParticipantView),
    };
  }
}

/** The session fields every session event carries (DESIGN 4.4). */
function sessionEventFields(session: SessionRow) {
  return {
    sessionId: session.id,
    type: session.type,
    timeSlotId: session.timeSlotId,
    targetLanguageCode: session.targetLanguageCode,
    level: session.level,
    topicId: session.topicId,
    topicTitle: session.topicTitle,
  };
}

function newSessionRow(id: string, now: Date): SessionRow {
  return {
    id,
    type: 'public',
    timeSlotId: null,
    targetLanguageCode: '',
    level: null,
    status: 'waiting',
    endReason: null,
    hostUserId: null,
    maxParticipants: 2,
    inviteCode: null,
    topicId: null,
    topicTitle: null,
    scheduledStartAt: null,
    scheduledEndAt: null,
    startedAt: null,
    endedAt: null,
    recordingEnabled: false,
    lastPresenceAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

function newParticipantRow(
  sessionId: string,
  userId: string,
  displayName: string,
  role: 'host' | 'participant',
  recordingConsent: boolean,
  createdAt: Date,
): ParticipantRow {
  return {
    id: crypto.randomUUID(),
    sessionId,
    userId,
    displayName,
    registrationId: null,
    role,
    status: 'waiting',
    cameraEnabled: true,
    micEnabled: true,
    recordingConsent,
    joinedAt: null,
    leftAt: null,
    leftReason: null,
    lastPresenceAt: null,
    connectedSince: null,
    presenceSeconds: 0,
    speakingTimeMs: 0,
    createdAt,
  };
}

function toParticipantView(p: ParticipantRow): ParticipantView {
  return {
    userId: p.userId,
    displayName: p.displayName,
    role: p.role as ParticipantView['role'],
    status: p.status as ParticipantView['status'],
    micEnabled: p.micEnabled,
    cameraEnabled: p.cameraEnabled,
    recordingConsent: p.recordingConsent,
    joinedAt: iso(p.joinedAt),
    leftAt: iso(p.leftAt),
    presenceSeconds: p.presenceSeconds,
    speakingTimeSeconds: Math.floor(p.speakingTimeMs / 1000),
  };
}

/** Presence seconds including the current connected stretch up to `now`. */
function presenceUpTo(p: ParticipantRow, now: Date): number {
  return p.presenceSeconds + (p.connectedSince ? Math.max(0, Math.floor((now.getTime() - p.connectedSince.getTime()) / 1000)) : 0);
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
