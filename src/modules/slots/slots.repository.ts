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

/** Filters of `GET /api/admin/slots`; `active` undefined: both. */
export interface AdminSlotFilter {
  targetLanguageCode?: string;
  level?: string;
  from: Date;
  to?: Date;
  active?: boolean;
  seriesId?: string;
  after?: { startTime: Date; id: string };
  limit: number;
}

/** A slot for admins: counts and its series rule (`null` for a one-off slot). */
export interface AdminSlotRow extends SlotListRow {
  series: SeriesRow | null;
}

/** Fields an admin edit may set on a slot (seed 000 §4.1). */
export type SlotEdit = Partial<Pick<SlotRow, 'startTime' | 'durationMinutes' | 'maxParticipants' | 'minParticipants' | 'targetLanguageCode' | 'level'>>;
/** Fields an admin edit may set on a series rule. */
export type SeriesEdit = Partial<Pick<SeriesRow, 'durationMinutes' | 'maxParticipants' | 'minParticipants' | 'targetLanguageCode' | 'level'>>;

const ACTIVE_REGISTRATION = sql`${registrations.status} <> 'cancelled'`;

// Correlated subqueries are written with explicit aliases: drizzle renders bare column names there.
const REGISTERED_COUNT = sql<number>`(select count(*)::int from registrations r where r.time_slot_id = time_slots.id and r.status <> 'cancelled')`;
const myRegistration = (userId: string) =>
  sql<string | null>`(select r.id from registrations r where r.time_slot_id = time_slots.id and r.user_id = ${userId} and r.status <> 'cancelled' limit 1)`;

function selectWithCounts(db: Executor, userId: string) {
  return db.select({ slot: timeSlots, registeredCount: REGISTERED_COUNT, myRegistrationId: myRegistration(userId) }).from(timeSlots);
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
  /** Row-locks several slots, in id order (two batches never wait on each other in a cycle). */
  async lockByIds(db: Executor, ids: readonly string[]): Promise<SlotRow[]> {
    if (ids.length === 0) return [];
    return db.select().from(timeSlots).where(inArray(timeSlots.id, [...ids])).orderBy(asc(timeSlots.id)).for('update');
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

  /** Locks slots until the transaction ends, by start (edits and (de)activation of a series). */
  async lockOpenSeriesOccurrences(db: Executor, seriesId: string, from: Date, startsAfter: Date): Promise<SlotRow[]> {
    return db
      .select()
      .from(timeSlots)
      .where(and(eq(timeSlots.seriesId, seriesId), gte(timeSlots.startTime, from), gt(timeSlots.startTime, startsAfter), isNull(timeSlots.matchedAt)))
      .orderBy(asc(timeSlots.startTime))
      .for('update');
  },

  /** Live registrations per slot (those not cancelled); slots without any are absent. */
  async countActiveRegistrationsBySlot(db: Executor, slotIds: string[]): Promise<Map<string, number>> {
    if (slotIds.length === 0) return new Map();
    const rows = await db
      .select({ slotId: registrations.timeSlotId, n: count() })
      .from(registrations)
      .where(and(inArray(registrations.timeSlotId, slotIds), ACTIVE_REGISTRATION))
      .groupBy(registrations.timeSlotId);
    return new Map(rows.map((r) => [r.slotId, Number(r.n)]));
  },

  /** Sets the same fields on several slots. @returns the updated rows. */
  async updateSlots(db: Executor, ids: string[], fields: SlotEdit & { isActive?: boolean }, now: Date): Promise<SlotRow[]> {
    if (ids.length === 0) return [];
    return db.update(timeSlots).set({ ...fields, updatedAt: now }).where(inArray(timeSlots.id, ids)).returning();
  },

  /** Sets fields of a series rule (the generator's template for later occurrences). */
  async updateSeries(db: Executor, id: string, fields: SeriesEdit & { isActive?: boolean }, now: Date): Promise<void> {
    await db.update(slotSeries).set({ ...fields, updatedAt: now }).where(eq(slotSeries.id, id));
  },

  async findSeries(db: Executor, id: string): Promise<SeriesRow | undefined> {
    const [row] = await db.select().from(slotSeries).where(eq(slotSeries.id, id));
    return row;
  },

  /** Upcoming slots for admins, active or not, with registration counts and their series, by start (keyset). */
  async listForAdmin(db: Executor, filter: AdminSlotFilter, userId: string): Promise<AdminSlotRow[]> {
    const conditions = [gte(timeSlots.startTime, filter.from)];
    if (filter.targetLanguageCode) conditions.push(eq(timeSlots.targetLanguageCode, filter.targetLanguageCode));
    if (filter.level) conditions.push(eq(timeSlots.level, filter.level));
    if (filter.to) conditions.push(lte(timeSlots.startTime, filter.to));
    if (filter.active !== undefined) conditions.push(eq(timeSlots.isActive, filter.active));
    if (filter.seriesId) conditions.push(eq(timeSlots.seriesId, filter.seriesId));
    if (filter.after) {
      const after = filter.after;
      conditions.push(or(gt(timeSlots.startTime, after.startTime), and(eq(timeSlots.startTime, after.startTime), gt(timeSlots.id, after.id)))!);
    }
    const rows = await db
      .select({ slot: timeSlots, series: slotSeries, registeredCount: REGISTERED_COUNT, myRegistrationId: myRegistration(userId) })
      .from(timeSlots)
      .leftJoin(slotSeries, eq(slotSeries.id, timeSlots.seriesId))
      .where(and(...conditions))
      .orderBy(asc(timeSlots.startTime), asc(timeSlots.id))
      .limit(filter.limit);
    return rows.map((r) => ({ ...toListRow(r), series: r.series }));
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
