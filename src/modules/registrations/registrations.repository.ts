import { and, desc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { lockKeys, rowsOf } from '../../db/locks.ts';
import { registrations, timeSlots } from '../../db/schema.ts';

export type RegistrationRow = typeof registrations.$inferSelect;
/** What matchmaking reads of a `registered` registration: no more, since it reads 100,000 in one sweep (issue 14). */
export type MatchableRegistration = Pick<RegistrationRow, 'id' | 'timeSlotId' | 'userId' | 'displayName'>;

/** A registration with the slot fields clients show next to it. */
export interface RegistrationWithSlot extends RegistrationRow {
  slot: { startTime: Date; durationMinutes: number; targetLanguageCode: string; level: string };
}

const slotColumns = {
  startTime: timeSlots.startTime,
  durationMinutes: timeSlots.durationMinutes,
  targetLanguageCode: timeSlots.targetLanguageCode,
  level: timeSlots.level,
};

/** SQL of registrations. */
export const registrationsRepository = {
  /**
   * Serialises registration attempts of each user inside the transaction (the 3-active limit must
   * hold under concurrent requests on PostgreSQL, DESIGN 5), for a batch of users in one
   * statement (issue 14, `RegistrationBatches`, in `lockKeys`' cycle-free order); taken before
   * the slots' row locks.
   */
  async lockUsers(db: Executor, userIds: readonly string[]): Promise<void> {
    await lockKeys(db, userIds.map((id) => `registrations:${id}`));
  },

  /** Inserts registrations in one statement, in order (their `seq`, matchmaking's tie-break, follows it). */
  async insertMany(db: Executor, rows: readonly Omit<RegistrationRow, 'seq'>[]): Promise<void> {
    if (rows.length === 0) return;
    // One JSON parameter rather than drizzle's builder: it checks every value of every row (issue 14 profile).
    await db.execute(sql`
      insert into registrations (id, time_slot_id, user_id, display_name, status, registered_at, cancelled_at, session_id, unmatched_reason, reminded_at)
      select id, time_slot_id, user_id, display_name, status, registered_at, cancelled_at, session_id, unmatched_reason, reminded_at
      from rows from (json_to_recordset(${JSON.stringify(rows.map(toColumns))}::json)
                      as (id text, time_slot_id text, user_id text, display_name text, status text, registered_at timestamptz,
                          cancelled_at timestamptz, session_id text, unmatched_reason text, reminded_at timestamptz))
           with ordinality as u(id, time_slot_id, user_id, display_name, status, registered_at, cancelled_at, session_id, unmatched_reason, reminded_at, n)
      order by n`);
  },

  /**
   * What new registrations must be checked against, for several (slot, user, now) attempts in one
   * statement (seed 000 §5.1), one result per attempt in their order: whether the user already
   * holds a live (not cancelled) registration to the slot, how many of the user's registrations
   * are still `registered` for a slot not ended by `now` (the limit of 3), and how many live
   * registrations the slot has (its capacity). Read under the users' locks and the slots' row
   * locks, so the figures hold until the transaction ends.
   */
  async standings(
    db: Executor,
    attempts: readonly { slotId: string; userId: string; now: Date }[],
  ): Promise<{ alreadyRegistered: boolean; activeForUser: number; takenInSlot: number }[]> {
    if (attempts.length === 0) return [];
    const json = JSON.stringify(attempts.map((a) => ({ slot_id: a.slotId, user_id: a.userId, at: a.now.toISOString() })));
    const rows = rowsOf<{ already: boolean; active: number; taken: number }>(
      // A slot's seats are counted once, not once per attempt (a batch is mostly one slot's).
      await db.execute(sql`with a as materialized (
          select * from rows from (json_to_recordset(${json}::json) as (slot_id text, user_id text, at timestamptz))
            with ordinality as a(slot_id, user_id, at, n)),
        t as materialized (
          select s.slot_id, (select count(*)::int from registrations r where r.time_slot_id = s.slot_id and r.status <> 'cancelled') as taken
          from (select distinct slot_id from a) as s)
        select
          exists (select 1 from registrations r where r.time_slot_id = a.slot_id and r.user_id = a.user_id and r.status <> 'cancelled') as already,
          (select count(*)::int from registrations r join time_slots s on s.id = r.time_slot_id
            where r.user_id = a.user_id and r.status = 'registered' and s.start_time + make_interval(mins => s.duration_minutes) > a.at) as active,
          t.taken
        from a join t on t.slot_id = a.slot_id
        order by a.n`),
    );
    return rows.map((row) => ({ alreadyRegistered: Boolean(row.already), activeForUser: Number(row.active), takenInSlot: Number(row.taken) }));
  },

  async lockById(db: Executor, id: string): Promise<RegistrationWithSlot | undefined> {
    const [row] = await db
      .select({ reg: registrations, slot: slotColumns })
      .from(registrations)
      .innerJoin(timeSlots, eq(timeSlots.id, registrations.timeSlotId))
      .where(eq(registrations.id, id))
      .for('update', { of: registrations });
    return row ? { ...row.reg, slot: row.slot } : undefined;
  },

  async findWithSlot(db: Executor, id: string): Promise<RegistrationWithSlot | undefined> {
    const [row] = await db
      .select({ reg: registrations, slot: slotColumns })
      .from(registrations)
      .innerJoin(timeSlots, eq(timeSlots.id, registrations.timeSlotId))
      .where(eq(registrations.id, id));
    return row ? { ...row.reg, slot: row.slot } : undefined;
  },

  async cancel(db: Executor, id: string, now: Date): Promise<void> {
    await db.update(registrations).set({ status: 'cancelled', cancelledAt: now }).where(eq(registrations.id, id));
  },

  /** A user's registrations, newest first, keyset-paginated on (registeredAt, id). */
  async listForUser(
    db: Executor,
    userId: string,
    opts: { status?: string; before?: { at: Date; id: string }; limit: number },
  ): Promise<RegistrationWithSlot[]> {
    const conditions = [eq(registrations.userId, userId)];
    if (opts.status) conditions.push(eq(registrations.status, opts.status));
    if (opts.before) {
      const b = opts.before;
      conditions.push(or(lt(registrations.registeredAt, b.at), and(eq(registrations.registeredAt, b.at), lt(registrations.id, b.id)))!);
    }
    const rows = await db
      .select({ reg: registrations, slot: slotColumns })
      .from(registrations)
      .innerJoin(timeSlots, eq(timeSlots.id, registrations.timeSlotId))
      .where(and(...conditions))
      .orderBy(desc(registrations.registeredAt), desc(registrations.id))
      .limit(opts.limit);
    return rows.map((r) => ({ ...r.reg, slot: r.slot }));
  },

  /** `registered` registrations of some slots, per slot oldest first (first registered, first matched). */
  async listRegisteredForSlots(db: Executor, slotIds: string[]): Promise<MatchableRegistration[]> {
    if (slotIds.length === 0) return [];
    return db
      .select({ id: registrations.id, timeSlotId: registrations.timeSlotId, userId: registrations.userId, displayName: registrations.displayName })
      .from(registrations)
      .where(and(inArray(registrations.timeSlotId, slotIds), eq(registrations.status, 'registered')))
      .orderBy(registrations.timeSlotId, registrations.registeredAt, registrations.seq);
  },

  /**
   * A user's registrations whose slot overlaps `[from, to)`, by start, with the slot's time and
   * zone (calendars); cancelled ones only when asked.
   */
  async listForUserBetween(db: Executor, userId: string, range: { from: Date; to: Date }, includeCancelled: boolean): Promise<(RegistrationRow & { slot: RegistrationWithSlot['slot'] & { timeZone: string } })[]> {
    const conditions = [
      eq(registrations.userId, userId),
      lt(timeSlots.startTime, range.to),
      sql`${timeSlots.startTime} + make_interval(mins => ${timeSlots.durationMinutes}) > ${range.from}`,
    ];
    if (!includeCancelled) conditions.push(sql`${registrations.status} <> 'cancelled'`);
    const rows = await db
      .select({ reg: registrations, slot: { ...slotColumns, timeZone: timeSlots.timeZone } })
      .from(registrations)
      .innerJoin(timeSlots, eq(timeSlots.id, registrations.timeSlotId))
      .where(and(...conditions))
      .orderBy(timeSlots.startTime, registrations.id);
    return rows.map((r) => ({ ...r.reg, slot: r.slot }));
  },

  async markUnmatched(db: Executor, ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await db.update(registrations).set({ unmatchedReason: reason }).where(inArray(registrations.id, ids));
  },

  async setStatus(db: Executor, ids: string[], status: string): Promise<void> {
    if (ids.length === 0) return;
    await db
      .update(registrations)
      .set({ status })
      .where(and(inArray(registrations.id, ids), eq(registrations.status, 'registered')));
  },

  /**
   * Matched, still `registered` registrations whose slot starts by `startsBefore` and has not
   * ended at `now`, not reminded yet, locked (`SKIP LOCKED`: another instance takes the others).
   * Goes from the slots' start-time index, so a sweep with nothing due costs one small range scan.
   */
  async claimDueReminders(db: Executor, startsBefore: Date, now: Date, limit: number): Promise<(RegistrationWithSlot & { sessionId: string })[]> {
    const rows = await db
      .select({ reg: registrations, slot: slotColumns })
      .from(registrations)
      .innerJoin(timeSlots, eq(timeSlots.id, registrations.timeSlotId))
      .where(
        and(
          lte(timeSlots.startTime, startsBefore),
          sql`${timeSlots.startTime} + make_interval(mins => ${timeSlots.durationMinutes}) > ${now}`,
          eq(registrations.status, 'registered'),
          isNull(registrations.remindedAt),
          isNotNull(registrations.sessionId),
        ),
      )
      .orderBy(timeSlots.startTime, registrations.seq)
      .limit(limit)
      .for('update', { of: registrations, skipLocked: true });
    return rows.map((r) => ({ ...r.reg, sessionId: r.reg.sessionId!, slot: r.slot }));
  },

  async markReminded(db: Executor, ids: string[], now: Date): Promise<void> {
    if (ids.length) await db.update(registrations).set({ remindedAt: now }).where(inArray(registrations.id, ids));
  },

  /**
   * Cancels the `registered` registrations of some slots (deactivated by an admin), noting why in
   * `unmatchedReason`. @returns the cancelled registrations with their slot.
   */
  async cancelRegisteredForSlots(db: Executor, slotIds: string[], reason: string, now: Date): Promise<RegistrationRow[]> {
    if (slotIds.length === 0) return [];
    return db
      .update(registrations)
      .set({ status: 'cancelled', cancelledAt: now, unmatchedReason: reason })
      .where(and(inArray(registrations.timeSlotId, slotIds), eq(registrations.status, 'registered')))
      .returning();
  },

  /** Deletes every registration of a user. @returns how many. */
  async deleteForUser(db: Executor, userId: string): Promise<number> {
    const deleted = await db.delete(registrations).where(eq(registrations.userId, userId)).returning({ id: registrations.id });
    return deleted.length;
  },
};

/** A registration row under its column names, for a JSON parameter. */
function toColumns(row: Omit<RegistrationRow, 'seq'>) {
  return {
    id: row.id,
    time_slot_id: row.timeSlotId,
    user_id: row.userId,
    display_name: row.displayName,
    status: row.status,
    registered_at: row.registeredAt,
    cancelled_at: row.cancelledAt,
    session_id: row.sessionId,
    unmatched_reason: row.unmatchedReason,
    reminded_at: row.remindedAt,
  };
}
