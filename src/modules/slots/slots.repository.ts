import { and, asc, count, eq, gt, gte, inArray, lte, or, sql, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { registrations, slotSeries, timeSlots } from '../../db/schema.ts';

export type SlotRow = typeof timeSlots.$inferSelect;
export type SeriesRow = typeof slotSeries.$inferSelect;

/** A slot with its live registration count and the caller's registration, for listings. */
export interface SlotListRow extends SlotRow {
  registeredCount: number;
  myRegistrationId: string | null;
}

/** Filters of `GET /api/slots` (DESIGN 4.6); `after` is the keyset cursor (start time, id). */
export interface SlotFilter {
  targetLanguageCode?: string;
  level?: string;
  from: Date;
  to?: Date;
  after?: { startTime: Date; id: string };
  limit: number;
}

const ACTIVE_REGISTRATION = sql`${registrations.status} <> 'cancelled'`;

function selectWithCounts(db: Executor, userId: string) {
  return db
    .select({
      slot: timeSlots,
      // Correlated subqueries are written with explicit aliases: drizzle renders bare column names there.
      registeredCount: sql<number>`(select count(*)::int from registrations r where r.time_slot_id = time_slots.id and r.status <> 'cancelled')`,
      myRegistrationId: sql<string | null>`(select r.id from registrations r where r.time_slot_id = time_slots.id and r.user_id = ${userId} and r.status <> 'cancelled' limit 1)`,
    })
    .from(timeSlots);
}

function toListRow(r: { slot: SlotRow; registeredCount: number; myRegistrationId: string | null }): SlotListRow {
  return { ...r.slot, registeredCount: Number(r.registeredCount), myRegistrationId: r.myRegistrationId };
}

/** SQL of time slots and slot series. */
export const slotsRepository = {
  async insertSeries(db: Executor, row: SeriesRow): Promise<void> {
    await db.insert(slotSeries).values(row);
  },

  /** Inserts occurrences, skipping those that already exist (generator idempotency). @returns inserted count. */
  async insertSlotsIgnoringDuplicates(db: Executor, rows: SlotRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await db
      .insert(timeSlots)
      .values(rows)
      .onConflictDoNothing({ target: [timeSlots.seriesId, timeSlots.startTime] })
      .returning({ id: timeSlots.id });
    return inserted.length;
  },

  async findById(db: Executor, id: string): Promise<SlotRow | undefined> {
    const [row] = await db.select().from(timeSlots).where(eq(timeSlots.id, id));
    return row;
  },

  /** Locks a slot row until the transaction ends (capacity checks on PostgreSQL, DESIGN 5). */
  async lockById(db: Executor, id: string): Promise<SlotRow | undefined> {
    const [row] = await db.select().from(timeSlots).where(eq(timeSlots.id, id)).for('update');
    return row;
  },

  async list(db: Executor, filter: SlotFilter, userId: string): Promise<SlotListRow[]> {
    const conditions = [eq(timeSlots.isActive, true), gte(timeSlots.startTime, filter.from)];
    if (filter.targetLanguageCode) conditions.push(eq(timeSlots.targetLanguageCode, filter.targetLanguageCode));
    if (filter.level) conditions.push(eq(timeSlots.level, filter.level));
    if (filter.to) conditions.push(lte(timeSlots.startTime, filter.to));
    if (filter.after) {
      const after = filter.after;
      conditions.push(or(gt(timeSlots.startTime, after.startTime), and(eq(timeSlots.startTime, after.startTime), gt(timeSlots.id, after.id)))!);
    }
    const rows = await selectWithCounts(db, userId)
      .where(and(...conditions))
      .orderBy(asc(timeSlots.startTime), asc(timeSlots.id))
      .limit(filter.limit);
    return rows.map(toListRow);
  },

  /** One slot (active or not) with its registration count and the caller's registration. */
  async findWithCounts(db: Executor, id: string, userId: string): Promise<SlotListRow | undefined> {
    const [row] = await selectWithCounts(db, userId).where(eq(timeSlots.id, id));
    return row ? toListRow(row) : undefined;
  },

  async countActiveRegistrations(db: Executor, slotId: string): Promise<number> {
    const [row] = await db.select({ n: count() }).from(registrations).where(and(eq(registrations.timeSlotId, slotId), ACTIVE_REGISTRATION));
    return Number(row?.n ?? 0);
  },

  async setActive(db: Executor, id: string, isActive: boolean, now: Date): Promise<SlotRow | undefined> {
    const [row] = await db.update(timeSlots).set({ isActive, updatedAt: now }).where(eq(timeSlots.id, id)).returning();
    return row;
  },

  /** Deactivates a series and its occurrences from `from` on. */
  async deactivateSeries(db: Executor, seriesId: string, from: Date, now: Date): Promise<void> {
    await db.update(slotSeries).set({ isActive: false, updatedAt: now }).where(eq(slotSeries.id, seriesId));
    await db
      .update(timeSlots)
      .set({ isActive: false, updatedAt: now })
      .where(and(eq(timeSlots.seriesId, seriesId), gte(timeSlots.startTime, from)));
  },

  async listActiveRecurringSeries(db: Executor): Promise<SeriesRow[]> {
    return db.select().from(slotSeries).where(and(eq(slotSeries.isActive, true), sql`${slotSeries.recurrence} <> 'once'`));
  },

  /**
   * Claims active slots whose registration has closed (`startTime <= closeBefore`) and that
   * matchmaking has not processed, locking them so that a second instance skips them.
   */
  async claimSlotsToMatch(db: Executor, closeBefore: Date, limit: number): Promise<SlotRow[]> {
    return db
      .select()
      .from(timeSlots)
      .where(and(isNull(timeSlots.matchedAt), lte(timeSlots.startTime, closeBefore)))
      .orderBy(asc(timeSlots.startTime))
      .limit(limit)
      .for('update', { skipLocked: true });
  },

  async markMatched(db: Executor, ids: string[], now: Date): Promise<void> {
    if (ids.length) await db.update(timeSlots).set({ matchedAt: now, updatedAt: now }).where(inArray(timeSlots.id, ids));
  },


  /** Erasure: the slots and series an erased admin created keep no trace of them. */
  async forgetCreator(db: Executor, userId: string, placeholder: string): Promise<void> {
    await db.update(timeSlots).set({ createdBy: placeholder }).where(eq(timeSlots.createdBy, userId));
    await db.update(slotSeries).set({ createdBy: placeholder }).where(eq(slotSeries.createdBy, userId));
  },
};
