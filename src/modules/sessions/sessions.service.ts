import crypto from 'node:crypto';
import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../shared/errors.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import { sessionsRepository, type ParticipantRow, type SessionRow } from './sessions.repository.ts';

/** Why a session ended (DESIGN 2). */
export type EndReason = 'completed' | 'timeout' | 'host_ended' | 'all_left' | 'cancelled';

/** A state change pushed to connected clients over signaling after it committed. */
export type SessionChange =
  | { type: 'started'; sessionId: string; startedAt: string }
  | { type: 'left'; sessionId: string; userId: string }
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

/** A session as clients see it. Times are ISO 8601 UTC. */
export interface SessionView {
  id: string;
  type: 'public' | 'private';
  timeSlotId: string | null;
  targetLanguageCode: string;
  level: string | null;
  status: 'waiting' | 'active' | 'ended';
  endReason: EndReason | null;
  hostUserId: string | null;
  maxParticipants: number;
  scheduledStartAt: string | null;
  scheduledEndAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** When the session will end on its own (slot end), or null. */
  endsAt: string | null;
  recordingEnabled: boolean;
  participants: ParticipantView[];
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

/**
 * Sessions and their participants (seed 000 §5.3, seed 002): slot sessions created by
 * matchmaking, the current session, signaling presence, and the lifecycle sweep that starts,
 * cancels and completes sessions on an injected `now`.
 */
export class SessionsService {
  private readonly listeners = new Set<(change: SessionChange) => void>();

  constructor(
    private readonly db: Executor,
    private readonly rules: RuleSettings,
    private readonly registrations: RegistrationsService,
  ) {}

  /** Subscribes to committed state changes. @returns the unsubscribe function. */
  onChange(listener: (change: SessionChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Creates one `waiting` public session per group inside the caller's transaction; the first
   * matched member is host (seed 002 AC1).
   * @returns the new session ids, in group order.
   */
  async createSlotSessions(tx: Executor, slot: SlotForSession, groups: MatchedMember[][], now: Date): Promise<string[]> {
    // One insert for the sessions and one for the participants: matchmaking forms thousands of
    // sessions in one sweep (DESIGN 6: 100,000 registrations over 1,000 slots in under 5 s).
    const ids = groups.map(() => crypto.randomUUID());
    if (groups.length === 0) return ids;
    await sessionsRepository.insertSessions(
      tx,
      groups.map((group, g) => ({
        id: ids[g],
        type: 'public',
        timeSlotId: slot.id,
        targetLanguageCode: slot.targetLanguageCode,
        level: slot.level,
        status: 'waiting',
        endReason: null,
        hostUserId: group[0].userId,
        maxParticipants: group.length,
        inviteCode: null,
        topicId: null,
        topicTitle: null,
        scheduledStartAt: slot.startTime,
        scheduledEndAt: new Date(slot.startTime.getTime() + slot.durationMinutes * 60_000),
        startedAt: null,
        endedAt: null,
        recordingEnabled: false,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await sessionsRepository.insertParticipants(
      tx,
      groups.flatMap((group, g) =>
        group.map((m, i) => ({
          id: crypto.randomUUID(),
          sessionId: ids[g],
          userId: m.userId,
          displayName: m.displayName,
          registrationId: m.registrationId,
          role: i === 0 ? 'host' : 'participant',
          status: 'waiting',
          cameraEnabled: true,
          micEnabled: true,
          recordingConsent: false,
          joinedAt: null,
          leftAt: null,
          connectedSince: null,
          presenceSeconds: 0,
          speakingTimeSeconds: 0,
          createdAt: new Date(now.getTime() + i), // keeps matching order stable for host hand-over
        })),
      ),
    );
    return ids;
  }

  /**
   * The caller's session that is active, or waiting with its join window open (DESIGN 4.6).
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

  /**
   * Checks that `userId` may open signaling in `sessionId` at `now`: a member of a session that is
   * active, or waiting inside its join window (DESIGN 4.6).
   * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_A_PARTICIPANT,
   *   conflict/SESSION_ENDED, conflict/JOIN_WINDOW_NOT_OPEN.
   */
  async authorizeSignaling(
    sessionId: string,
    userId: string,
    now: Date,
  ): Promise<{ session: SessionView; participant: ParticipantView }> {
    const row = await sessionsRepository.findById(this.db, sessionId);
    if (!row) throw new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session');
    const participant = await sessionsRepository.findParticipant(this.db, sessionId, userId);
    if (!participant) throw new AppError('forbidden', 'NOT_A_PARTICIPANT', 'You are not a participant of this session');
    if (row.status === 'ended') throw new AppError('conflict', 'SESSION_ENDED', 'This session has ended');
    if (row.status === 'waiting' && row.scheduledStartAt && now.getTime() < row.scheduledStartAt.getTime() - this.rules.joinWindowMs) {
      const opensAt = new Date(row.scheduledStartAt.getTime() - this.rules.joinWindowMs).toISOString();
      throw new AppError('conflict', 'JOIN_WINDOW_NOT_OPEN', `The waiting room opens at ${opensAt}`, { opensAt });
    }
    return { session: await this.view(row), participant: toParticipantView(participant) };
  }

  /** A signaling connection was accepted: the participant is `connected` (joinedAt set once). */
  async markConnected(sessionId: string, userId: string, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!p) return;
      const presence = p.connectedSince ? p.presenceSeconds + secondsBetween(p.connectedSince, now) : p.presenceSeconds;
      await sessionsRepository.updateParticipant(tx, p.id, {
        status: 'connected',
        joinedAt: p.joinedAt ?? now,
        leftAt: null,
        connectedSince: now,
        presenceSeconds: presence,
      });
    });
  }

  /** The signaling connection dropped: `disconnected`, presence counted up to `now`. */
  async markDropped(sessionId: string, userId: string, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!p || p.status !== 'connected') return;
      await sessionsRepository.updateParticipant(tx, p.id, {
        status: 'disconnected',
        connectedSince: null,
        presenceSeconds: p.presenceSeconds + (p.connectedSince ? secondsBetween(p.connectedSince, now) : 0),
      });
    });
  }

  /**
   * A drop became final (reconnect window over): `leftAt` is set to the drop time. May end the
   * session `all_left` (see `closeParticipation`).
   */
  async markLeft(sessionId: string, userId: string, leftAt: Date, now: Date): Promise<void> {
    const ended = await this.db.transaction(async (tx) => {
      const session = await sessionsRepository.lockById(tx, sessionId);
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!session || !p || p.status === 'connected') return false; // came back in the meantime
      return this.closeParticipation(tx, session, p, leftAt, now);
    });
    if (ended) this.emit({ type: 'ended', sessionId, reason: 'all_left' });
  }

  /**
   * The caller leaves the session on purpose (`POST /api/sessions/{id}/leave`): presence is
   * counted up to `now`, `leftAt` set, the others are told at once over signaling. Idempotent.
   * @throws AppError not_found/SESSION_NOT_FOUND (also for non-members), conflict/SESSION_ENDED.
   */
  async leave(user: AuthUser, sessionId: string, now: Date): Promise<SessionView> {
    const ended = await this.db.transaction(async (tx) => {
      const session = await sessionsRepository.lockById(tx, sessionId);
      const p = session ? await sessionsRepository.lockParticipant(tx, sessionId, user.id) : undefined;
      if (!session || !p) throw new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session');
      if (session.status === 'ended') throw new AppError('conflict', 'SESSION_ENDED', 'This session has ended');
      const presence = p.presenceSeconds + (p.connectedSince ? secondsBetween(p.connectedSince, now) : 0);
      if (p.joinedAt === null) {
        // Never connected: nothing to close, and the member keeps the right to join later.
        return false;
      }
      await sessionsRepository.updateParticipant(tx, p.id, { presenceSeconds: presence, connectedSince: null });
      return this.closeParticipation(tx, session, { ...p, presenceSeconds: presence, connectedSince: null }, p.leftAt ?? now, now);
    });
    this.emit({ type: 'left', sessionId, userId: user.id });
    if (ended) this.emit({ type: 'ended', sessionId, reason: 'all_left' });
    return this.getSession(user, sessionId);
  }

  /**
   * Sets a participant's `leftAt`. When every member who ever connected has left an active
   * session that at least two joined, ends it `all_left` (seed 000 §5.3).
   * @returns whether the session ended.
   */
  private async closeParticipation(tx: Executor, session: SessionRow, p: ParticipantRow, leftAt: Date, now: Date): Promise<boolean> {
    await sessionsRepository.updateParticipant(tx, p.id, { leftAt, connectedSince: null, status: 'disconnected' });
    if (session.status !== 'active') return false;
    const members = await sessionsRepository.listParticipants(tx, session.id);
    const joined = members.filter((m) => m.joinedAt !== null);
    const present = joined.filter((m) => m.id !== p.id && m.leftAt === null);
    if (joined.length >= 2 && present.length === 0) {
      await this.endInTransaction(tx, session, 'all_left', now);
      return true;
    }
    return false;
  }

  /** Stores a participant's microphone and camera state (seed 000 §3.3). */
  async setMediaState(sessionId: string, userId: string, state: { micEnabled: boolean; cameraEnabled: boolean }, _now: Date): Promise<void> {
    const p = await sessionsRepository.findParticipant(this.db, sessionId, userId);
    if (!p) return;
    await sessionsRepository.updateParticipant(this.db, p.id, { micEnabled: state.micEnabled, cameraEnabled: state.cameraEnabled });
  }

  /**
   * Lifecycle sweep (seed 000 §5.3, DESIGN 4.6), safe on several instances (`SKIP LOCKED`):
   * waiting slot sessions start at the slot time; active ones that fewer than 2 members joined
   * by `RULES_START_GRACE` end `cancelled`; sessions past their planned end end `completed`.
   * @returns the committed changes (also pushed to `onChange` listeners).
   */
  async runLifecycle(now: Date): Promise<SessionChange[]> {
    const changes: SessionChange[] = [];
    const batch = 100;
    changes.push(
      ...(await this.db.transaction(async (tx) => {
        const out: SessionChange[] = [];
        for (const s of await sessionsRepository.claimSessionsToStart(tx, now, batch)) {
          // A session whose end already passed (jobs were stopped) is completed below, not started.
          if (s.scheduledEndAt && s.scheduledEndAt.getTime() <= now.getTime()) continue;
          const startedAt = s.scheduledStartAt ?? now;
          await sessionsRepository.updateSession(tx, s.id, { status: 'active', startedAt, updatedAt: now });
          out.push({ type: 'started', sessionId: s.id, startedAt: startedAt.toISOString() });
        }
        return out;
      })),
    );
    changes.push(
      ...(await this.db.transaction(async (tx) => {
        const out: SessionChange[] = [];
        for (const s of await sessionsRepository.claimSessionsToCancel(tx, new Date(now.getTime() - this.rules.startGraceMs), batch)) {
          await this.endInTransaction(tx, s, 'cancelled', now);
          out.push({ type: 'ended', sessionId: s.id, reason: 'cancelled' });
        }
        for (const s of await sessionsRepository.claimSessionsPastEnd(tx, now, batch)) {
          const members = await sessionsRepository.listParticipants(tx, s.id);
          const reason: EndReason = members.filter((m) => m.joinedAt).length >= 2 ? 'completed' : 'cancelled';
          await this.endInTransaction(tx, s, reason, now);
          out.push({ type: 'ended', sessionId: s.id, reason });
        }
        return out;
      })),
    );
    for (const change of changes) this.emit(change);
    return changes;
  }

  /** Ends a locked session: status, end reason, participations closed, slot attendance recorded. */
  private async endInTransaction(tx: Executor, session: SessionRow, reason: EndReason, now: Date): Promise<void> {
    await sessionsRepository.updateSession(tx, session.id, {
      status: 'ended',
      endReason: reason,
      endedAt: now,
      updatedAt: now,
    });
    await sessionsRepository.closeParticipations(tx, session.id, now);
    if (session.type === 'public') {
      const members = await sessionsRepository.listParticipants(tx, session.id);
      const regs = (pred: (m: ParticipantRow) => boolean) =>
        members.filter((m) => m.registrationId && pred(m)).map((m) => m.registrationId as string);
      await this.registrations.recordAttendance(tx, regs((m) => m.joinedAt !== null), regs((m) => m.joinedAt === null));
    }
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

  private async view(row: SessionRow): Promise<SessionView> {
    const members = await sessionsRepository.listParticipants(this.db, row.id);
    return {
      id: row.id,
      type: row.type as SessionView['type'],
      timeSlotId: row.timeSlotId,
      targetLanguageCode: row.targetLanguageCode,
      level: row.level,
      status: row.status as SessionView['status'],
      endReason: row.endReason as EndReason | null,
      hostUserId: row.hostUserId,
      maxParticipants: row.maxParticipants,
      scheduledStartAt: iso(row.scheduledStartAt),
      scheduledEndAt: iso(row.scheduledEndAt),
      startedAt: iso(row.startedAt),
      endedAt: iso(row.endedAt),
      endsAt: iso(row.scheduledEndAt),
      recordingEnabled: row.recordingEnabled,
      participants: members.map(toParticipantView),
    };
  }
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
    speakingTimeSeconds: p.speakingTimeSeconds,
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}
