import crypto from 'node:crypto';
import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { AdminListSlotsQuery, AdminSlot, PatchSlotBody, Slot } from '../../protocol/slots.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import { requireAdmin, type AuthUser } from '../auth/auth.service.ts';
import { isValidTimeZone, localTimeOf, occurrencesBetween, type Recurrence } from './slot-generation.ts';
import { isRegistrationOpen, registrationClosesAt, updateSlot, type SlotDeactivationHook } from './slot-admin.ts';
import { MAX_SESSION_SIZE } from './slot-limits.ts';
import { SlotErrors } from './slots.errors.ts';
import { slotsRepository, type AdminSlotRow, type SlotListRow, type SlotRow } from './slots.repository.ts';

export type { SlotDeactivationHook } from './slot-admin.ts';
export type { SlotRow } from './slots.repository.ts';

/** CEFR levels (seed 001). */
export const CEFR_LEVELS = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const;
export type CefrLevel = (typeof CEFR_LEVELS)[number];

export { MAX_SESSION_SIZE } from './slot-limits.ts';
/** The registration cutoff rule (seed 000 §5.1), for the modules that check registrations. */
export { registrationClosesAt } from './slot-admin.ts';

/** Input of `POST /api/slots` (seed 000 §2.1, seed 001). */
export interface CreateSlotInput {
  targetLanguageCode: string;
  level: CefrLevel;
  /** First start, ISO 8601. */
  startTime: string;
  durationMinutes: 15 | 30 | 45;
  /** Registration capacity; default 8; above 8 matchmaking makes several sessions. */
  maxParticipants?: number;
  /** Minimum to form a session; default 2. */
  minParticipants?: number;
  recurrence?: Recurrence;
  /** IANA zone whose wall-clock time recurring slots keep; default `UTC`. */
  timeZone?: string;
}

/** A slot as clients see it (the wire's `Slot`). Times are ISO 8601 UTC. */
export type SlotView = Slot;

/** Query of `GET /api/slots`. */
export interface ListSlotsQuery {
  targetLanguageCode?: string;
  level?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

/**
 * Time slots: admin creation (once/daily/weekly in a time zone), listing, deactivation, and the
 * generator that keeps recurring slots materialised `RULES_SLOT_HORIZON` ahead (seed 000 §5.1).
 */
export class SlotsService {
  private readonly deactivationHooks = new Set<SlotDeactivationHook>();

  constructor(
    private readonly db: Executor,
    private readonly rules: RuleSettings,
  ) {}

  /**
   * Creates a slot (and, when recurring, its series and the occurrences inside the horizon).
   * @returns the first occurrence.
   * @throws AppError `forbidden`/`ADMIN_ONLY`, `validation`/`INVALID_SLOT`.
   */
  async createSlot(user: AuthUser, input: CreateSlotInput, now: Date): Promise<SlotView> {
    requireAdmin(user, 'create time slots');
    const start = new Date(input.startTime);
    const recurrence = input.recurrence ?? 'once';
    const timeZone = input.timeZone ?? 'UTC';
    const maxParticipants = input.maxParticipants ?? 8;
    const minParticipants = input.minParticipants ?? 2;
    const problems: string[] = [];
    if (Number.isNaN(start.getTime())) problems.push('startTime is not a valid date');
    else if (start.getTime() <= now.getTime()) problems.push('startTime must be in the future');
    if (!isValidTimeZone(timeZone)) problems.push(`timeZone "${timeZone}" is not an IANA time zone`);
    if (minParticipants > maxParticipants) problems.push('minParticipants cannot exceed maxParticipants');
    if (minParticipants > MAX_SESSION_SIZE) problems.push(`minParticipants cannot exceed ${MAX_SESSION_SIZE} (largest session)`);
    if (problems.length) throw SlotErrors.invalid(problems);

    const seriesId = recurrence === 'once' ? null : crypto.randomUUID();
    const base = {
      targetLanguageCode: input.targetLanguageCode,
      level: input.level,
      durationMinutes: input.durationMinutes,
      maxParticipants,
      minParticipants,
      recurrence,
      timeZone,
      createdBy: user.id,
    };
    const firstId = crypto.randomUUID();
    await this.db.transaction(async (tx) => {
      if (seriesId) {
        await slotsRepository.insertSeries(tx, {
          ...base,
          id: seriesId,
          localTime: localTimeOf(start, timeZone),
          firstStartTime: start,
          isActive: true,
          createdAt: now,
          updatedAt: now,
        });
      }
      const starts = seriesId
        ? occurrencesBetween({ firstStartTime: start, timeZone, recurrence }, start, new Date(now.getTime() + this.rules.slotHorizonMs))
        : [start];
      if (starts.length === 0 || starts[0].getTime() !== start.getTime()) starts.unshift(start);
      await slotsRepository.insertSlotsIgnoringDuplicates(
        tx,
        starts.map((s, i) => ({
          ...base,
          id: i === 0 ? firstId : crypto.randomUUID(),
          seriesId,
          startTime: s,
          isActive: true,
          matchedAt: null,
          createdAt: now,
          updatedAt: now,
        })),
      );
    });
    return this.getSlot(user, firstId, now);
  }

  /** Active upcoming slots, filtered and paginated by start time (DESIGN 4.6). */
  async listSlots(user: AuthUser, query: ListSlotsQuery, now: Date): Promise<{ items: SlotView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const from = query.from ? new Date(query.from) : now;
    const rows = await slotsRepository.list(
      this.db,
      {
        targetLanguageCode: query.targetLanguageCode,
        level: query.level,
        from: from.getTime() < now.getTime() ? now : from,
        to: query.to ? new Date(query.to) : undefined,
        after: after ? { startTime: new Date(after.at), id: after.id } : undefined,
        limit: limit + 1,
      },
      user.id,
    );
    return byStartTime(rows, limit, (r) => this.toView(r));
  }

  /** @throws AppError `not_found`/`SLOT_NOT_FOUND`. */
  async getSlot(user: AuthUser, id: string, _now: Date): Promise<SlotView> {
    const row = await slotsRepository.findWithCounts(this.db, id, user.id);
    if (!row) throw SlotErrors.notFound();
    return this.toView(row);
  }

  /**
   * `PATCH /api/slots/{id}` (admin): edits the slot while its registration is open and/or
   * (de)activates it, alone or with its series from this occurrence on (`slot-admin.ts`).
   * Deactivation runs the hooks of `onDeactivation` in the same transaction.
   * @throws AppError forbidden/ADMIN_ONLY and those of `updateSlot`.
   */
  async updateSlot(user: AuthUser, id: string, patch: PatchSlotBody, now: Date): Promise<SlotView> {
    requireAdmin(user, 'change time slots');
    await updateSlot({ db: this.db, rules: this.rules, deactivationHooks: this.deactivationHooks }, id, patch, now);
    return this.getSlot(user, id, now);
  }

  /**
   * Runs `hook` inside every transaction that deactivates slots (the registrations module cancels
   * their registrations there). @returns the unregister function.
   */
  onDeactivation(hook: SlotDeactivationHook): () => void {
    this.deactivationHooks.add(hook);
    return () => this.deactivationHooks.delete(hook);
  }

  /**
   * `GET /api/admin/slots`: upcoming slots (from `from`, default now), active and inactive, with
   * registrations, capacity and their series, by start time.
   * @throws AppError forbidden/ADMIN_ONLY, validation/INVALID_CURSOR.
   */
  async listForAdmin(user: AuthUser, query: AdminListSlotsQuery, now: Date): Promise<{ items: AdminSlot[]; nextCursor: string | null }> {
    requireAdmin(user, 'administer time slots');
    const limit = query.limit ?? 20;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const status = query.status ?? 'all';
    const rows = await slotsRepository.listForAdmin(
      this.db,
      {
        targetLanguageCode: query.targetLanguageCode,
        level: query.level,
        from: query.from ? new Date(query.from) : now,
        to: query.to ? new Date(query.to) : undefined,
        active: status === 'all' ? undefined : status === 'active',
        seriesId: query.seriesId,
        after: after ? { startTime: new Date(after.at), id: after.id } : undefined,
        limit: limit + 1,
      },
      user.id,
    );
    return byStartTime(rows, limit, (r) => this.toAdminView(r, now));
  }

  /**
   * Generator job: materialises every active recurring series up to `now + RULES_SLOT_HORIZON`.
   * Idempotent (unique series/start index), safe on several instances.
   * @returns how many slots were created.
   */
  async generateRecurringSlots(now: Date): Promise<number> {
    const until = new Date(now.getTime() + this.rules.slotHorizonMs);
    let created = 0;
    for (const series of await slotsRepository.listActiveRecurringSeries(this.db)) {
      const starts = occurrencesBetween(
        { firstStartTime: series.firstStartTime, timeZone: series.timeZone, recurrence: series.recurrence as Recurrence },
        now,
        until,
      );
      created += await slotsRepository.insertSlotsIgnoringDuplicates(
        this.db,
        starts.map((s) => ({
          id: crypto.randomUUID(),
          seriesId: series.id,
          targetLanguageCode: series.targetLanguageCode,
          level: series.level,
          startTime: s,
          durationMinutes: series.durationMinutes,
          maxParticipants: series.maxParticipants,
          minParticipants: series.minParticipants,
          recurrence: series.recurrence,
          timeZone: series.timeZone,
          isActive: true,
          matchedAt: null,
          createdBy: series.createdBy,
          createdAt: now,
          updatedAt: now,
        })),
      );
    }
    return created;
  }

  /**
   * The slots module's share of a user's erasure (seed 000 §6.3): slots an erased admin created
   * stay offered, their creator recorded as `erased-user`.
   */
  eraseUser(tx: Executor, userId: string): Promise<void> {
    return slotsRepository.forgetCreator(tx, userId, 'erased-user');
  }

  /**
   * Row-locks slots inside the caller's transaction, in id order (registration capacity: a batch
   * of registrations, issue 14). @returns the slots found, by id; unknown ids are absent.
   */
  async lockSlots(tx: Executor, ids: readonly string[]): Promise<Map<string, SlotRow>> {
    const rows = await slotsRepository.lockByIds(tx, [...new Set(ids)].sort());
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Reads a slot without locking. */
  findSlot(db: Executor, id: string): Promise<SlotRow | undefined> {
    return slotsRepository.findById(db, id);
  }

  /** Claims up to `limit` slots whose registration closed by `now` and that are not matched yet. */
  claimSlotsToMatch(tx: Executor, now: Date, limit: number): Promise<SlotRow[]> {
    return slotsRepository.claimSlotsToMatch(tx, new Date(now.getTime() + this.rules.registrationCutoffMs), limit);
  }

  /** Marks slots as processed by matchmaking. */
  markMatched(tx: Executor, ids: string[], now: Date): Promise<void> {
    return slotsRepository.markMatched(tx, ids, now);
  }

  private toAdminView(row: AdminSlotRow, now: Date): AdminSlot {
    const s = row.series;
    return {
      ...this.toView(row),
      registrationOpen: isRegistrationOpen(row, now, this.rules.registrationCutoffMs),
      series: s
        ? { id: s.id, recurrence: s.recurrence, localTime: s.localTime, timeZone: s.timeZone, firstStartTime: s.firstStartTime.toISOString(), isActive: s.isActive }
        : null,
    };
  }

  private toView(row: SlotListRow): SlotView {
    return {
      id: row.id,
      seriesId: row.seriesId,
      targetLanguageCode: row.targetLanguageCode,
      level: row.level,
      startTime: row.startTime.toISOString(),
      endTime: new Date(row.startTime.getTime() + row.durationMinutes * 60_000).toISOString(),
      durationMinutes: row.durationMinutes,
      maxParticipants: row.maxParticipants,
      minParticipants: row.minParticipants,
      recurrence: row.recurrence,
      timeZone: row.timeZone,
      isActive: row.isActive,
      registeredCount: row.registeredCount,
      seatsLeft: Math.max(0, row.maxParticipants - row.registeredCount),
      myRegistrationId: row.myRegistrationId,
      registrationClosesAt: new Date(registrationClosesAt(row, this.rules.registrationCutoffMs)).toISOString(),
      createdAt: row.createdAt.toISOString(),
    };
  }
}

/**
 * A page of `limit` slots out of `rows` (fetched with `limit + 1`: one more tells there is a next
 * page), with the keyset cursor of the last one (start time, id).
 */
function byStartTime<R extends { startTime: Date; id: string }, V>(rows: R[], limit: number, view: (row: R) => V): { items: V[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.startTime.toISOString(), id: last.id }) : null,
  };
}
