import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { lockKey } from '../../db/locks.ts';
import { objectDeletions, recordingHandoffs, recordings } from '../../db/schema.ts';

export type RecordingRow = typeof recordings.$inferSelect;
export type HandoffRow = typeof recordingHandoffs.$inferSelect;
export type DeletionRow = typeof objectDeletions.$inferSelect;
/** An object deletion to queue: a key, or every object under a prefix. */
export type DeletionEntry = Pick<DeletionRow, 'key' | 'isPrefix' | 'dueAt' | 'finalAt'>;

/** Statuses of a recording that is still being captured or assembled (not settled). */
export const OPEN_STATUSES = ['recording', 'completing'] as const;
/** Statuses whose objects are gone or going: never listed, never handed off. */
const GONE_STATUSES = ['withdrawn', 'aborted'];

/** SQL of recordings, their hand-offs and the object deletions still due. */
export const recordingsRepository = {
  async insert(db: Executor, row: RecordingRow): Promise<void> {
    await db.insert(recordings).values(row);
  },

  async findById(db: Executor, id: string): Promise<RecordingRow | undefined> {
    const [row] = await db.select().from(recordings).where(eq(recordings.id, id));
    return row;
  },

  async lockById(db: Executor, id: string): Promise<RecordingRow | undefined> {
    const [row] = await db.select().from(recordings).where(eq(recordings.id, id)).for('update');
    return row;
  },

  async update(db: Executor, id: string, patch: Partial<RecordingRow>): Promise<void> {
    await db.update(recordings).set(patch).where(eq(recordings.id, id));
  },

  /** The user's recordings of a session, oldest first, locked (withdrawal, a new start). */
  async lockOfUserInSession(db: Executor, sessionId: string, userId: string): Promise<RecordingRow[]> {
    return db
      .select()
      .from(recordings)
      .where(and(eq(recordings.sessionId, sessionId), eq(recordings.userId, userId)))
      .orderBy(asc(recordings.createdAt), asc(recordings.id))
      .for('update');
  },

  /** The user's recordings of a session that are not withdrawn or aborted, oldest first. */
  async listOfUserInSession(db: Executor, sessionId: string, userId: string): Promise<RecordingRow[]> {
    return db
      .select()
      .from(recordings)
      .where(and(eq(recordings.sessionId, sessionId), eq(recordings.userId, userId), notInArray(recordings.status, GONE_STATUSES)))
      .orderBy(asc(recordings.createdAt), asc(recordings.id));
  },

  /** Every recording of a session (hand-off decision), oldest first. */
  async listOfSession(db: Executor, sessionId: string): Promise<RecordingRow[]> {
    return db.select().from(recordings).where(eq(recordings.sessionId, sessionId)).orderBy(asc(recordings.startOffsetMs), asc(recordings.id));
  },

  /** A user's recordings that are not withdrawn or aborted, newest first, keyset-paginated on (createdAt, id). */
  async listOfUser(db: Executor, userId: string, opts: { before?: { at: Date; id: string }; limit: number }): Promise<RecordingRow[]> {
    const conditions = [eq(recordings.userId, userId), notInArray(recordings.status, GONE_STATUSES)];
    if (opts.before) {
      const b = opts.before;
      conditions.push(or(lt(recordings.createdAt, b.at), and(eq(recordings.createdAt, b.at), lt(recordings.id, b.id)))!);
    }
    return db
      .select()
      .from(recordings)
      .where(and(...conditions))
      .orderBy(desc(recordings.createdAt), desc(recordings.id))
      .limit(opts.limit);
  },

  /** Every recording of a user (erasure). */
  async listAllOfUser(db: Executor, userId: string): Promise<RecordingRow[]> {
    return db.select().from(recordings).where(eq(recordings.userId, userId));
  },

  async deleteOfUser(db: Executor, userId: string): Promise<void> {
    await db.delete(recordings).where(eq(recordings.userId, userId));
  },

  /**
   * An upload URL is being issued for chunk `partNumber`: the recording's last activity is `now`,
   * in one statement that only matches an open recording (so a sweep settling it at the same
   * moment either sees the activity or wins, never both). @returns the row, or undefined when it
   * is not open.
   */
  async touchForPart(db: Executor, id: string, partNumber: number, now: Date): Promise<RecordingRow | undefined> {
    const [row] = await db
      .update(recordings)
      .set({ lastActivityAt: now, lastPartNumber: sql`greatest(${recordings.lastPartNumber}, ${partNumber})`, updatedAt: now })
      .where(and(eq(recordings.id, id), eq(recordings.status, 'recording'), isNull(recordings.interruptedAt)))
      .returning();
    return row;
  },

  /**
   * Claims, for assembly until `claimUntil`, recordings whose client is gone: interrupted ones,
   * those quiet since `quietBefore`, and those whose assembly claim ran out (a crashed instance).
   * `FOR UPDATE SKIP LOCKED`: instances never claim the same row.
   */
  claimToSettle(db: Executor, now: Date, quietBefore: Date, claimUntil: Date, limit: number): Promise<RecordingRow[]> {
    const gone = and(eq(recordings.status, 'recording'), or(isNotNull(recordings.interruptedAt), lte(recordings.lastActivityAt, quietBefore)));
    return claimForAssembly(db, gone, now, claimUntil, limit);
  },

  /** Claims every open recording of one session whose upload grace is over (`claimToSettle`'s claim otherwise). */
  claimOpenOfSession(db: Executor, sessionId: string, now: Date, claimUntil: Date): Promise<RecordingRow[]> {
    return claimForAssembly(db, and(eq(recordings.sessionId, sessionId), eq(recordings.status, 'recording')), now, claimUntil, 1000);
  },

  /** Sessions with recordings and no hand-off decision yet, oldest first. */
  async sessionsAwaitingHandoff(db: Executor, limit: number): Promise<string[]> {
    const rows = await db
      .select({ sessionId: recordings.sessionId })
      .from(recordings)
      .where(sql`not exists (select 1 from ${recordingHandoffs} h where h.session_id = ${recordings.sessionId})`)
      .groupBy(recordings.sessionId)
      .orderBy(sql`min(${recordings.createdAt})`)
      .limit(limit);
    return rows.map((r) => r.sessionId);
  },

  /** Serialises hand-off decisions of one session until the transaction ends (completions racing on several instances). */
  async lockHandoff(db: Executor, sessionId: string): Promise<void> {
    await lockKey(db, `recordings:handoff:${sessionId}`);
  },

  async findHandoff(db: Executor, sessionId: string): Promise<HandoffRow | undefined> {
    const [row] = await db.select().from(recordingHandoffs).where(eq(recordingHandoffs.sessionId, sessionId));
    return row;
  },

  /** @returns false when the session already has its decision (the unique key): nothing was written. */
  async insertHandoff(db: Executor, row: HandoffRow): Promise<boolean> {
    const inserted = await db.insert(recordingHandoffs).values(row).onConflictDoNothing().returning({ sessionId: recordingHandoffs.sessionId });
    return inserted.length > 0;
  },

  async setHandoffEvent(db: Executor, sessionId: string, eventId: string): Promise<void> {
    await db.update(recordingHandoffs).set({ eventId }).where(eq(recordingHandoffs.sessionId, sessionId));
  },

  async enqueueDeletions(db: Executor, entries: DeletionEntry[], now: Date): Promise<number[]> {
    if (!entries.length) return [];
    const rows = await db
      .insert(objectDeletions)
      .values(entries.map((e) => ({ ...e, attempts: 0, createdAt: now })))
      .returning({ id: objectDeletions.id });
    return rows.map((r) => r.id);
  },

  /**
   * Claims deletions due at `now` (or only `ids`) until `claimUntil`, `SKIP LOCKED`: the claim
   * moves `dueAt`, so a crashed instance's entries come back once it passes.
   */
  async claimDeletions(db: Executor, now: Date, claimUntil: Date, limit: number, ids?: number[]): Promise<DeletionRow[]> {
    const where = ids ? and(inArray(objectDeletions.id, ids), lte(objectDeletions.dueAt, now)) : lte(objectDeletions.dueAt, now);
    const due = db.select({ id: objectDeletions.id }).from(objectDeletions).where(where).orderBy(asc(objectDeletions.dueAt)).limit(limit).for('update', { skipLocked: true });
    return db
      .update(objectDeletions)
      .set({ dueAt: claimUntil, attempts: sql`${objectDeletions.attempts} + 1` })
      .where(inArray(objectDeletions.id, due))
      .returning();
  },

  /** A deletion was carried out at `now`: gone once past its `finalAt`, else due again then. */
  async deletionDone(db: Executor, entry: DeletionRow, now: Date): Promise<void> {
    if (now.getTime() >= entry.finalAt.getTime()) await db.delete(objectDeletions).where(eq(objectDeletions.id, entry.id));
    else await db.update(objectDeletions).set({ dueAt: entry.finalAt }).where(eq(objectDeletions.id, entry.id));
  },

  /**
   * Claims recordings that ended before `endedBefore` (retention) until `claimUntil`, skipping
   * open ones and those another instance holds.
   */
  async claimExpired(db: Executor, endedBefore: Date, now: Date, claimUntil: Date, limit: number): Promise<RecordingRow[]> {
    const due = db
      .select({ id: recordings.id })
      .from(recordings)
      .where(
        and(
          lt(recordings.endedAt, endedBefore),
          notInArray(recordings.status, [...OPEN_STATUSES]),
          or(isNull(recordings.claimedUntil), lt(recordings.claimedUntil, now)),
        ),
      )
      .orderBy(asc(recordings.endedAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return db.update(recordings).set({ claimedUntil: claimUntil }).where(inArray(recordings.id, due)).returning();
  },

  /** Deletes the rows among `ids` that still ended before `endedBefore`. @returns how many. */
  async deleteExpired(db: Executor, ids: string[], endedBefore: Date): Promise<number> {
    if (!ids.length) return 0;
    const gone = await db
      .delete(recordings)
      .where(and(inArray(recordings.id, ids), lt(recordings.endedAt, endedBefore)))
      .returning({ id: recordings.id });
    return gone.length;
  },
};

/**
 * Marks `completing` until `claimUntil` the recordings matching `open` and those whose assembly
 * claim ran out, skipping rows another instance holds; oldest activity first.
 */
async function claimForAssembly(db: Executor, open: SQL | undefined, now: Date, claimUntil: Date, limit: number): Promise<RecordingRow[]> {
  const stale = and(eq(recordings.status, 'completing'), lt(recordings.claimedUntil, now));
  const due = db
    .select({ id: recordings.id })
    .from(recordings)
    .where(or(open, stale))
    .orderBy(asc(recordings.lastActivityAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db.update(recordings).set({ status: 'completing', claimedUntil: claimUntil, updatedAt: now }).where(inArray(recordings.id, due)).returning();
}
