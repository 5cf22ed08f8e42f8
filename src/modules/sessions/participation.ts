import { Batcher } from '../../shared/batcher.ts';
import type { Membership } from './membership-cache.ts';
import type { SessionCore } from './session-core.ts';
import { boundedSpeakingMs, presenceMsUpTo, presenceUpTo } from './presence.ts';
import { SessionErrors } from './sessions.errors.ts';
import { sessionsRepository, type ParticipantRow, type SessionState } from './sessions.repository.ts';
import { endsAt, iso, toParticipantView, type SessionChange, type SignalingAdmissionView, type SessionView } from './sessions.views.ts';

/**
 * Participation and presence, as signaling reports them (seed 002 AC4, seed 003 AC1, AC6, AC8;
 * DESIGN 4.6): who may open signaling, connected / dropped / left, media state and speaking
 * time. Signaling reaches it through its `SignalingSessions` port (`SessionsService` passes
 * these through); it never touches the sessions repository.
 */
export class SessionParticipation {
  /**
   * Admissions made while the previous read runs go together in one query, and each reads whole
   * sessions (issue 14: at a slot start every member joins within seconds; PGlite answers one
   * query at a time). Two batches at once: a pool works on both while the next fills.
   */
  private readonly lookups: Batcher<string, Membership | undefined>;
  /**
   * The same for `markConnected`'s writes. They do not wait for company on a timer: a leave or an
   * end right after joining reads the connected stretch they write.
   */
  private readonly connects: Batcher<Pair & { now: Date }, void>;

  /** Round trips cached admissions wait for (PostgreSQL); null when the database is in process. */
  private readonly roundTrips: Batcher<number, void> | null;
  private nextRoundTrip = 0;

  /**
   * @param databaseInProcess PGlite: a cached admission waits for no database round trip (in
   *   process, the database cannot be unreachable), and one batch at a time is in flight. Else a
   *   cached admission still waits for one (batched) round trip, so that during an outage it is
   *   refused 1013 like any other (README "During a database outage").
   */
  constructor(
    private readonly core: SessionCore,
    databaseInProcess = false,
  ) {
    // In process the database runs one statement at a time: a second batch in flight would only
    // wait there, and halve the next one (1,000 admissions: 468 `markConnected` statements with
    // two in flight; connect + join p50 2.2-2.4x the bare relay's, 2.0x with one, BENCHMARKS.md).
    const opts = { maxBatch: 200, maxInFlight: databaseInProcess ? 1 : 2 };
    this.roundTrips = !databaseInProcess
      ? new Batcher<number, void>((ids) => sessionsRepository.roundTrip(core.db).then(() => ids.map(() => undefined)), String, opts)
      : null;
    this.lookups = new Batcher(
      async (sessionIds) => {
        const found = new Map<string, Membership>();
        for (const { session, participant } of await sessionsRepository.findMemberships(core.db, sessionIds)) {
          let m = found.get(session.id);
          if (!m) found.set(session.id, (m = { session, members: new Map() }));
          m.members.set(participant.userId, participant);
        }
        return sessionIds.map((id) => found.get(id));
      },
      (id) => id,
      opts,
    );
    this.connects = new Batcher<Pair & { now: Date }, void>(
      (items) => sessionsRepository.markConnectedMany(core.db, items).then(() => items.map(() => undefined)),
      (p) => `${p.sessionId}\n${p.userId}`,
      opts,
    );
    // Registered before signaling subscribes: a change forgets the session before signaling acts on it.
    const cache = core.membership;
    if (cache) core.onChange((change) => cache.forget(change.sessionId));
  }

  /** Subscribes to committed session changes. @returns the unsubscribe function. */
  onChange(listener: (change: SessionChange) => void): () => void {
    return this.core.onChange(listener);
  }

  /**
   * Seed 003 AC1: checks that `userId` may open signaling in `sessionId` at `now`: a member who
   * did not leave on purpose, of a session that is active, or waiting (slot sessions: inside the
   * join window, `RULES_JOIN_WINDOW`). Admits from the membership cache when it holds the user
   * (`membership-cache.ts`); anything else, refusals included, is read afresh.
   * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_A_PARTICIPANT, forbidden/LEFT_SESSION,
   *   conflict/SESSION_ENDED, conflict/JOIN_WINDOW_NOT_OPEN.
   */
  async authorizeSignaling(sessionId: string, userId: string, now: Date): Promise<SignalingAdmissionView> {
    const cache = this.core.membership;
    const nowMs = now.getTime();
    const cached = cache?.get(sessionId, nowMs);
    const hit = cached?.members.get(userId);
    if (cached && hit && this.refusal(cached.session, hit, now) === null) {
      await this.roundTrips?.call(this.nextRoundTrip++);
      return this.admission(cached.session, hit);
    }
    // One query on the way in, shared with the admissions made meanwhile (`lookups`).
    const epoch = cache?.epoch() ?? 0;
    const membership = await this.lookups.call(sessionId);
    if (membership) cache?.put(membership, epoch, nowMs);
    const participant = membership?.members.get(userId);
    if (!membership || !participant) {
      if (!membership && !(await sessionsRepository.findById(this.core.db, sessionId))) throw SessionErrors.notFound();
      throw SessionErrors.notAParticipant();
    }
    const refusal = this.refusal(membership.session, participant, now);
    if (refusal) throw refusal;
    return this.admission(membership.session, participant);
  }

  /** Why `participant` may not open signaling at `now`, or null (the rules of `authorizeSignaling`). */
  private refusal(row: SessionState, participant: ParticipantRow, now: Date): Error | null {
    const { rules } = this.core;
    if (row.status === 'ended') return SessionErrors.ended();
    if (participant.leftReason === 'left') return SessionErrors.leftSession(row.type === 'private');
    if (row.status === 'waiting' && row.scheduledStartAt && now.getTime() < row.scheduledStartAt.getTime() - rules.joinWindowMs) {
      return SessionErrors.joinWindowNotOpen(new Date(row.scheduledStartAt.getTime() - rules.joinWindowMs).toISOString());
    }
    return null;
  }

  private admission(row: SessionState, participant: ParticipantRow): SignalingAdmissionView {
    return {
      session: { id: row.id, status: row.status as SessionView['status'], startedAt: iso(row.startedAt), endsAt: endsAt(row, this.core.rules) },
      participant: { ...toParticipantView(participant), recording: participant.recording && participant.leftAt === null },
    };
  }

  /** A signaling connection was accepted: the participant is `connected` (joinedAt set once). */
  async markConnected(sessionId: string, userId: string, now: Date): Promise<void> {
    // One statement, shared with the connects made meanwhile; `lastPresenceAt` is on the
    // participant, not the session row: a lifecycle sweep holding the session (SKIP LOCKED) must
    // not be delayed.
    await this.connects.call({ sessionId, userId, now });
    this.core.membership?.patch(sessionId, userId, { status: 'connected', leftAt: null, leftReason: null, connectedSince: now, lastPresenceAt: now });
  }

  /** The signaling connection dropped: `disconnected`, presence counted up to `now`. */
  async markDropped(sessionId: string, userId: string, now: Date): Promise<void> {
    await this.core.db.transaction(async (tx) => {
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!p || p.status !== 'connected') return;
      await sessionsRepository.updateParticipant(tx, p.id, { status: 'disconnected', connectedSince: null, presenceSeconds: presenceUpTo(p, now), lastPresenceAt: now });
    });
  }

  /**
   * A drop became final (the reconnect window passed, seed 000 §7.2): `leftAt` is the drop time,
   * `participant.left` is recorded, a host hands over, and the session may end `all_left`.
   */
  async markLeft(sessionId: string, userId: string, leftAt: Date, now: Date): Promise<void> {
    await this.core.transact(async (tx, after) => {
      const session = await sessionsRepository.lockById(tx, sessionId);
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!session || !p || p.status === 'connected' || p.leftAt !== null || session.status === 'ended') return; // came back, or already closed
      await this.core.closeParticipation(tx, after, session, p, { leftAt, reason: 'disconnected' }, now);
    }); // not `countsSpeakingOf`: this runs in the participant's write queue, behind its own speaking writes
    this.core.membership?.forget(sessionId); // leftAt set: committed now
  }

  /** Stores a participant's microphone and camera state (seed 000 §3.3). */
  async setMediaState(sessionId: string, userId: string, state: { micEnabled: boolean; cameraEnabled: boolean }): Promise<void> {
    const p = await sessionsRepository.findParticipant(this.core.db, sessionId, userId);
    if (!p) return;
    await sessionsRepository.updateParticipant(this.core.db, p.id, { micEnabled: state.micEnabled, cameraEnabled: state.cameraEnabled });
    this.core.membership?.patch(sessionId, userId, { micEnabled: state.micEnabled, cameraEnabled: state.cameraEnabled });
  }

  /**
   * Adds a stretch of speaking reported over signaling (seed 002 AC4), never beyond the
   * participant's presence up to `now` (`presence.ts`).
   * @param seconds length of the stretch, in seconds (fractions kept to the ms).
   */
  async addSpeakingTime(sessionId: string, userId: string, seconds: number, now: Date): Promise<void> {
    if (!(seconds > 0) || !Number.isFinite(seconds)) return;
    await this.core.db.transaction(async (tx) => {
      const p = await sessionsRepository.lockParticipant(tx, sessionId, userId);
      if (!p) return;
      const speakingTimeMs = boundedSpeakingMs(p.speakingTimeMs, seconds * 1000, presenceMsUpTo(p, now));
      if (speakingTimeMs !== p.speakingTimeMs) await sessionsRepository.updateParticipant(tx, p.id, { speakingTimeMs });
    });
  }
}

interface Pair {
  sessionId: string;
  userId: string;
}
