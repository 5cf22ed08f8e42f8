import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { lockKey } from '../../db/locks.ts';
import { participants, sessionRatings, sessions } from '../../db/schema.ts';

export type SessionRow = typeof sessions.$inferSelect;
export type ParticipantRow = typeof participants.$inferSelect;
export type RatingRow = typeof sessionRatings.$inferSelect;
/** The columns of a session that decide who may join it and until when. */
export type SessionState = Pick<SessionRow, 'id' | 'type' | 'status' | 'startedAt' | 'scheduledStartAt' | 'scheduledEndAt'>;

/** One line of a user's history: the session, counts, and the user's own participation and rating. */
export interface HistoryRow {
  session: SessionRow;
  participantCount: number;
  me: ParticipantRow;
  rating: { rating: number; comment: string | null } | null;
}

/**
 * Presence in seconds counted up to `now`: the stored seconds plus the open stretch since
 * `connectedSince` (none when not connected). Inside an UPDATE's SET it reads the row as it was.
 * Twin of `presenceUpTo` in the sessions service.
 */
function presenceUpToSql(now: Date): SQL {
  return sql`${participants.presenceSeconds} + coalesce(greatest(0, floor(extract(epoch from (${now}::timestamptz - ${participants.connectedSince}))))::int, 0)`;
}

/** SQL of sessions and participants. */
export const sessionsRepository = {
  async insertSessions(db: Executor, rows: SessionRow[]): Promise<void> {
    if (rows.length) await db.insert(sessions).values(rows);
  },

  async insertParticipants(db: Executor, rows: ParticipantRow[]): Promise<void> {
    if (rows.length) await db.insert(participants).values(rows);
  },

  /** Inserts many new `waiting` slot sessions with one array parameter per column (matchmaking). */
  /**
   * Inserts matchmaking's sessions (array parameters, one per column), each hosted by the member
   * `placements` puts at position 0 of it (see `createSlotSessions`).
   */
  async insertSlotSessionsBulk(db: Executor, rows: SessionRow[], placements: SQL): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof SessionRow>(k: K) => sql.param(rows.map((r) => r[k]));
    const time = (k: 'scheduledStartAt' | 'scheduledEndAt' | 'createdAt' | 'updatedAt') => sql.param(rows.map((r) => r[k]?.toISOString() ?? null));
    await db.execute(sql`
      insert into sessions (id, type, time_slot_id, target_language_code, level, status, host_user_id, max_participants,
                            scheduled_start_at, scheduled_end_at, recording_enabled, created_at, updated_at)
      select s.id, s.type, s.time_slot_id, s.target_language_code, s.level, s.status, p.user_id, s.max_participants,
             s.scheduled_start_at, s.scheduled_end_at, s.recording_enabled, s.created_at, s.updated_at
      from unnest(${col('id')}::text[], ${col('type')}::text[], ${col('timeSlotId')}::text[], ${col('targetLanguageCode')}::text[],
                  ${col('level')}::text[], ${col('status')}::text[], ${col('maxParticipants')}::int[],
                  ${time('scheduledStartAt')}::timestamptz[], ${time('scheduledEndAt')}::timestamptz[],
                  ${col('recordingEnabled')}::boolean[], ${time('createdAt')}::timestamptz[], ${time('updatedAt')}::timestamptz[])
           as s(id, type, time_slot_id, target_language_code, level, status, max_participants,
                scheduled_start_at, scheduled_end_at, recording_enabled, created_at, updated_at)
      join (${placements}) p on p.session_id = s.id and p.position = 0`);
  },

  /**
   * Inserts every member of `placements` as a new (never connected, seed 002 AC3-AC4) participant
   * of its session: `host` at position 0, the others `participant`; the other columns take their
   * defaults (camera and microphone on, no recording consent), as `newParticipantRow` makes them.
   * `createdAt` is `now` + position ms, which keeps the matching order for host hand-over. The
   * participant's id is its registration's (a random UUID too, and a registration is placed once):
   * 100,000 `gen_random_uuid()` were a third of this statement on PGlite (issue 14).
   */
  async insertPlacedParticipants(db: Executor, placements: SQL, now: Date): Promise<void> {
    await db.execute(sql`
      insert into participants (id, session_id, user_id, display_name, registration_id, role, status, created_at)
      select p.registration_id, p.session_id, p.user_id, p.display_name, p.registration_id,
             case when p.position = 0 then 'host' else 'participant' end, 'waiting',
             ${now.toISOString()}::timestamptz + p.position * interval '1 millisecond'
      from (${placements}) p`);
  },

  async findById(db: Executor, id: string): Promise<SessionRow | undefined> {
    const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
    return row;
  },

  async lockById(db: Executor, id: string): Promise<SessionRow | undefined> {
    const [row] = await db.select().from(sessions).where(eq(sessions.id, id)).for('update');
    return row;
  },

  async listParticipants(db: Executor, sessionId: string): Promise<ParticipantRow[]> {
    return db.select().from(participants).where(eq(participants.sessionId, sessionId)).orderBy(asc(participants.createdAt), asc(participants.id));
  },

  async findParticipant(db: Executor, sessionId: string, userId: string): Promise<ParticipantRow | undefined> {
    const [row] = await db
      .select()
      .from(participants)
      .where(and(eq(participants.sessionId, sessionId), eq(participants.userId, userId)));
    return row;
  },

  /** One round trip that reads nothing: the database answers (a cached admission on PostgreSQL). */
  async roundTrip(db: Executor): Promise<void> {
    await db.execute(sql`select 1`);
  },

  /**
   * Sessions' state with every participation, in one query (signaling admission, issue 14: the
   * first member of a session to join reads it for the others). Sessions without participants
   * are missing. @returns the rows, in no particular order.
   */
  async findMemberships(db: Executor, sessionIds: readonly string[]): Promise<{ session: SessionState; participant: ParticipantRow }[]> {
    if (sessionIds.length === 0) return [];
    return db
      .select({
        session: {
          id: sessions.id,
          type: sessions.type,
          status: sessions.status,
          startedAt: sessions.startedAt,
          scheduledStartAt: sessions.scheduledStartAt,
          scheduledEndAt: sessions.scheduledEndAt,
        },
        participant: participants,
      })
      .from(participants)
      .innerJoin(sessions, eq(sessions.id, participants.sessionId))
      .where(inArray(participants.sessionId, [...sessionIds]));
  },

  /**
   * Marks participations `connected`, each at its own time, in one statement without a
   * transaction (one array parameter per column): presence counted up to that time (the rule of
   * `presenceUpToSql`), `joinedAt` set once, `connectedSince` and `lastPresenceAt` = that time, no
   * longer left after a drop. A participation that left on purpose or whose session ended
   * meanwhile is not touched: the write runs after the admission, and must not undo a leave
   * committed in between. A pair must appear at most once.
   */
  async markConnectedMany(db: Executor, items: readonly { sessionId: string; userId: string; now: Date }[]): Promise<void> {
    if (items.length === 0) return;
    await db.execute(sql`
      update participants p
         set status = 'connected', joined_at = coalesce(p.joined_at, v.at), left_at = null, left_reason = null,
             presence_seconds = p.presence_seconds + coalesce(greatest(0, floor(extract(epoch from (v.at - p.connected_since))))::int, 0),
             connected_since = v.at, last_presence_at = v.at
        from unnest(${sql.param(items.map((i) => i.sessionId))}::text[], ${sql.param(items.map((i) => i.userId))}::text[],
                    ${sql.param(items.map((i) => i.now.toISOString()))}::timestamptz[]) as v(session_id, user_id, at)
       where p.session_id = v.session_id and p.user_id = v.user_id
         and (p.left_reason is null or p.left_reason = 'disconnected')`);
  },

  async lockParticipant(db: Executor, sessionId: string, userId: string): Promise<ParticipantRow | undefined> {
    const [row] = await db
      .select()
      .from(participants)
      .where(and(eq(participants.sessionId, sessionId), eq(participants.userId, userId)))
      .for('update');
    return row;
  },

  async updateParticipant(db: Executor, id: string, patch: Partial<ParticipantRow>): Promise<void> {
    await db.update(participants).set(patch).where(eq(participants.id, id));
  },

  async updateSession(db: Executor, id: string, patch: Partial<SessionRow>): Promise<void> {
    await db.update(sessions).set(patch).where(eq(sessions.id, id));
  },

  /**
   * The user's session that is `active`, or `waiting` with its join window open
   * (`scheduledStartAt <= joinableBefore`, or no schedule), soonest first.
   */
  async findCurrentForUser(db: Executor, userId: string, joinableBefore: Date): Promise<SessionRow | undefined> {
    const [row] = await db
      .select({ session: sessions })
      .from(sessions)
      .innerJoin(participants, eq(participants.sessionId, sessions.id))
      .where(
        and(
          eq(participants.userId, userId),
          or(isNull(participants.leftReason), ne(participants.leftReason, 'left')),
          or(
            eq(sessions.status, 'active'),
            and(eq(sessions.status, 'waiting'), or(isNull(sessions.scheduledStartAt), lte(sessions.scheduledStartAt, joinableBefore))),
          ),
        ),
      )
      .orderBy(asc(sessions.scheduledStartAt), asc(sessions.createdAt))
      .limit(1);
    return row?.session;
  },

  /** Waiting public sessions whose start time has come, locked (skip those another instance holds). */
  async claimSessionsToStart(db: Executor, now: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(and(eq(sessions.status, 'waiting'), eq(sessions.type, 'public'), lte(sessions.scheduledStartAt, now)))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Live sessions whose planned end has passed, locked. */
  async claimSessionsPastEnd(db: Executor, now: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(and(ne(sessions.status, 'ended'), isNotNull(sessions.scheduledEndAt), lte(sessions.scheduledEndAt, now)))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /**
   * Active public sessions past their start grace (`scheduledStartAt <= graceStartedBefore`) with
   * fewer than 2 members who ever connected, locked.
   */
  async claimSessionsToCancel(db: Executor, graceStartedBefore: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.status, 'active'),
          eq(sessions.type, 'public'),
          lte(sessions.scheduledStartAt, graceStartedBefore),
          sql`(select count(*) from participants p where p.session_id = sessions.id and p.joined_at is not null) < 2`,
        ),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Closes the participation of everyone still present when a session ends, counting presence up to `now`. */
  /** Adds `ms` of speaking to the user's participation if it is still open (no `leftAt`). */
  async addSpeakingToOpenParticipation(db: Executor, sessionId: string, userId: string, ms: number): Promise<void> {
    if (!(ms > 0)) return;
    await db
      .update(participants)
      .set({ speakingTimeMs: sql`${participants.speakingTimeMs} + ${ms}` })
      .where(and(eq(participants.sessionId, sessionId), eq(participants.userId, userId), isNull(participants.leftAt)));
  },

  async closeParticipations(db: Executor, sessionId: string, now: Date): Promise<void> {
    // Every SET expression reads the row as it was, so each one can refer to the old values.
    const presence = presenceUpToSql(now);
    await db
      .update(participants)
      .set({
        presenceSeconds: presence,
        speakingTimeMs: sql`least(${participants.speakingTimeMs}, (${presence}) * 1000)`,
        connectedSince: null,
        status: sql`case when ${participants.status} = 'connected' then 'disconnected' else ${participants.status} end`,
        leftAt: sql`case when ${participants.joinedAt} is not null then coalesce(${participants.leftAt}, ${now}::timestamptz) else ${participants.leftAt} end`,
        leftReason: sql`case when ${participants.joinedAt} is not null and ${participants.leftAt} is null then 'session_ended' else ${participants.leftReason} end`,
      })
      .where(eq(participants.sessionId, sessionId));
  },

  async listSessionsByIds(db: Executor, ids: string[]): Promise<SessionRow[]> {
    if (!ids.length) return [];
    return db.select().from(sessions).where(inArray(sessions.id, ids));
  },

  /** Serialises one user's session creations and joins inside the transaction (limits, DESIGN 5). */
  async lockUser(db: Executor, userId: string): Promise<void> {
    await lockKey(db, `sessions:${userId}`);
  },

  /** The live session (`waiting`/`active`) holding an invite code. */
  async findLiveByInviteCode(db: Executor, code: string): Promise<SessionRow | undefined> {
    const [row] = await db
      .select()
      .from(sessions)
      .where(and(eq(sessions.inviteCode, code), ne(sessions.status, 'ended')));
    return row;
  },

  /** Participations of a user not left, in live sessions (seed 002 AC9: at most 3). */
  async countActiveParticipations(db: Executor, userId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(participants)
      .innerJoin(sessions, eq(sessions.id, participants.sessionId))
      .where(and(eq(participants.userId, userId), isNull(participants.leftAt), ne(sessions.status, 'ended')));
    return Number(row?.n ?? 0);
  },

  /** Participations of a user created in `[from, to)` (seed 000 §7.3: 10 a day on the free tier). */
  async countParticipationsBetween(db: Executor, userId: string, from: Date, to: Date): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(participants)
      .where(and(eq(participants.userId, userId), gte(participants.createdAt, from), lt(participants.createdAt, to)));
    return Number(row?.n ?? 0);
  },

  /** Active private sessions started at or before `startedBefore`, locked. */
  async claimPrivateSessionsTimedOut(db: Executor, startedBefore: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(and(eq(sessions.status, 'active'), eq(sessions.type, 'private'), lte(sessions.startedAt, startedBefore)))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** Live private sessions nobody is connected to since `idleBefore`, locked. */
  async claimOrphanedPrivateSessions(db: Executor, idleBefore: Date, limit: number): Promise<SessionRow[]> {
    return db
      .select()
      .from(sessions)
      .where(
        and(
          ne(sessions.status, 'ended'),
          eq(sessions.type, 'private'),
          lte(
            sql`coalesce(greatest(${sessions.lastPresenceAt}, (select max(p.last_presence_at) from participants p where p.session_id = sessions.id)), ${sessions.createdAt})`,
            idleBefore,
          ),
          sql`not exists (select 1 from participants p where p.session_id = sessions.id and p.status = 'connected')`,
        ),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  /** A user's ended sessions, newest first, keyset-paginated on (endedAt, id). */
  async listHistory(db: Executor, userId: string, opts: { before?: { at: Date; id: string }; limit: number }): Promise<HistoryRow[]> {
    const conditions = [eq(participants.userId, userId), eq(sessions.status, 'ended')];
    if (opts.before) {
      const b = opts.before;
      conditions.push(or(lt(sessions.endedAt, b.at), and(eq(sessions.endedAt, b.at), lt(sessions.id, b.id)))!);
    }
    const rows = await db
      .select({
        session: sessions,
        me: participants,
        participantCount: sql<number>`(select count(*)::int from participants p where p.session_id = sessions.id and p.joined_at is not null)`,
        rating: sessionRatings.rating,
        comment: sessionRatings.comment,
      })
      .from(participants)
      .innerJoin(sessions, eq(sessions.id, participants.sessionId))
      .leftJoin(sessionRatings, and(eq(sessionRatings.sessionId, sessions.id), eq(sessionRatings.userId, userId)))
      .where(and(...conditions))
      .orderBy(desc(sessions.endedAt), desc(sessions.id))
      .limit(opts.limit);
    return rows.map((r) => ({
      session: r.session,
      me: r.me,
      participantCount: Number(r.participantCount),
      rating: r.rating === null ? null : { rating: r.rating, comment: r.comment },
    }));
  },

  async insertRating(db: Executor, row: RatingRow): Promise<void> {
    await db.insert(sessionRatings).values(row);
  },

  /** Sessions whose host is `userId`, locked (an erasure hands them over). */
  async lockSessionsHostedBy(db: Executor, userId: string): Promise<SessionRow[]> {
    return db.select().from(sessions).where(eq(sessions.hostUserId, userId)).for('update');
  },

  async deleteRatingsOf(db: Executor, userId: string): Promise<void> {
    await db.delete(sessionRatings).where(eq(sessionRatings.userId, userId));
  },

  /** Deletes every participation of a user. @returns how many. */
  async deleteParticipationsOf(db: Executor, userId: string): Promise<number> {
    return (await db.delete(participants).where(eq(participants.userId, userId)).returning({ id: participants.id })).length;
  },
};
