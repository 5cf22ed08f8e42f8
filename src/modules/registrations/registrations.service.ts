import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { RegistrationStatus } from '../../protocol/registrations.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { SlotsService } from '../slots/slots.service.ts';
import { RegistrationErrors } from './registrations.errors.ts';
import {
  registrationCancelled,
  registrationReminder,
  registrationUnmatched,
  type RegistrationFacts,
} from './registrations.events.ts';
import { placementsRepository, type GroupRange, type Placements } from './placements.repository.ts';
import { RegistrationBatches, type BeforeCommit } from './register-batch.ts';
import { registrationsRepository, type MatchableRegistration } from './registrations.repository.ts';
import { toView, type RegistrationView } from './registrations.views.ts';

export type { GroupRange, Placements } from './placements.repository.ts';

/** The slot fields the matchmaking events carry. */
export type SlotFacts = RegistrationFacts['slot'] & { id: string };

/** Due reminders handled per transaction by `sendReminders`. */
const REMINDER_BATCH = 500;

/** `unmatchedReason` of registrations cancelled because their slot was deactivated. */
export const SLOT_DEACTIVATED = 'SLOT_DEACTIVATED';

export { MAX_ACTIVE_REGISTRATIONS } from './register-batch.ts';

/** Registration states of seed 001. */
export type { RegistrationStatus };

/** A booked conversation slot as a calendar shows it (`listBookedBetween`). */
export interface BookedSlot {
  registrationId: string;
  timeSlotId: string;
  status: RegistrationStatus;
  startTime: Date;
  endTime: Date;
  targetLanguageCode: string;
  level: string;
  timeZone: string;
  sessionId: string | null;
  bookedAt: Date;
  /** When the registration last changed (booked or cancelled). */
  changedAt: Date;
}

export type { RegistrationView } from './registrations.views.ts';

/**
 * Registrations to time slots (seed 000 §3.1, §5.1): register until `RULES_REGISTRATION_CUTOFF`
 * before the start, within the slot's capacity, at most 3 active per user, once per slot; cancel
 * until `RULES_CANCELLATION_CUTOFF`. Limits hold under concurrency: each attempt takes a per-user
 * advisory lock, then the slot row lock, inside one transaction (DESIGN 5); attempts arriving
 * together share that transaction (`RegistrationBatches`, issue 14).
 */
export class RegistrationsService {
  private readonly batches: RegistrationBatches;

  constructor(
    private readonly db: Executor,
    private readonly rules: RuleSettings,
    slots: SlotsService,
    private readonly outbox: OutboxService,
  ) {
    this.batches = new RegistrationBatches(db, rules, slots, outbox);
  }

  /**
   * Registers the caller to a slot.
   * @param beforeCommit called with the answer inside the registration's transaction, last (the
   *   route stores it for an `Idempotency-Key`); what it throws rolls the registration back.
   * @throws AppError not_found/SLOT_NOT_FOUND, conflict/SLOT_INACTIVE, conflict/REGISTRATION_CLOSED,
   *   conflict/ALREADY_REGISTERED, limit_reached/TOO_MANY_REGISTRATIONS, conflict/SLOT_FULL.
   */
  async register(user: AuthUser, slotId: string, now: Date, beforeCommit?: BeforeCommit): Promise<RegistrationView> {
    return this.batches.register({ user, slotId, now, beforeCommit });
  }

  /**
   * Cancels one of the caller's registrations.
   * @throws AppError not_found/REGISTRATION_NOT_FOUND (also when not the caller's),
   *   conflict/NOT_CANCELLABLE, conflict/CANCELLATION_CLOSED.
   */
  async cancel(user: AuthUser, registrationId: string, now: Date): Promise<RegistrationView> {
    await this.db.transaction(async (tx) => {
      const reg = await registrationsRepository.lockById(tx, registrationId);
      if (!reg || reg.userId !== user.id) throw RegistrationErrors.notFound();
      if (reg.status !== 'registered') throw RegistrationErrors.notCancellable(reg.status);
      const closesAt = reg.slot.startTime.getTime() - this.rules.cancellationCutoffMs;
      if (now.getTime() > closesAt) throw RegistrationErrors.cancellationClosed(new Date(closesAt).toISOString());
      await registrationsRepository.cancel(tx, registrationId, now);
      await this.outbox.record(tx, registrationCancelled(reg, 'user_cancelled', now));
    });
    return this.get(user, registrationId);
  }

  /** The caller's registrations, newest first. */
  async listMine(
    user: AuthUser,
    query: { status?: RegistrationStatus; cursor?: string; limit?: number },
  ): Promise<{ items: RegistrationView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 20;
    const before = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await registrationsRepository.listForUser(this.db, user.id, {
      status: query.status,
      before: before ? { at: new Date(before.at), id: before.id } : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.registeredAt.toISOString(), id: last.id }) : null,
    };
  }

  /** @throws AppError not_found/REGISTRATION_NOT_FOUND. */
  async get(user: AuthUser, id: string): Promise<RegistrationView> {
    const row = await registrationsRepository.findWithSlot(this.db, id);
    if (!row || row.userId !== user.id) throw RegistrationErrors.notFound();
    return toView(row);
  }

  /**
   * The user's booked conversation slots overlapping `[from, to)`, by start (the calendar module:
   * `GET /api/calendar/events` and the iCal feed); cancelled ones only with `includeCancelled`
   * (a feed marks them `STATUS:CANCELLED`). Times are UTC; `timeZone` is the slot's IANA zone.
   */
  async listBookedBetween(userId: string, range: { from: Date; to: Date }, includeCancelled = false): Promise<BookedSlot[]> {
    const rows = await registrationsRepository.listForUserBetween(this.db, userId, range, includeCancelled);
    return rows.map((r) => ({
      registrationId: r.id,
      timeSlotId: r.timeSlotId,
      status: r.status as RegistrationStatus,
      startTime: r.slot.startTime,
      endTime: new Date(r.slot.startTime.getTime() + r.slot.durationMinutes * 60_000),
      targetLanguageCode: r.slot.targetLanguageCode,
      level: r.slot.level,
      timeZone: r.slot.timeZone,
      sessionId: r.sessionId,
      bookedAt: r.registeredAt,
      changedAt: r.cancelledAt ?? r.registeredAt,
    }));
  }

  /** `registered` registrations of some slots, per slot in registration order (matchmaking's unmatched ones). */
  listRegisteredForSlots(tx: Executor, slotIds: string[]): Promise<MatchableRegistration[]> {
    return registrationsRepository.listRegisteredForSlots(tx, slotIds);
  }

  /**
   * Matchmaking's first step, in its transaction (which holds the slots' locks): how many
   * `registered` registrations each slot of `slotIds` has (slots with none are absent).
   */
  countForMatching(tx: Executor, slotIds: readonly string[]): Promise<Map<string, number>> {
    return placementsRepository.count(tx, slotIds);
  }

  /**
   * Ranks the slots' `registered` registrations, oldest first, and places them in the groups'
   * rank ranges, in matchmaking's transaction.
   * @returns a select of the placed registrations for the sessions module's writes (see `Placements`).
   */
  place(tx: Executor, groups: readonly GroupRange[]): Promise<Placements> {
    return placementsRepository.place(tx, groups);
  }

  /**
   * Records the session matchmaking placed each registration in, with `registration.matched` for
   * each (seed 000 §5.2 d "Notifier les participants de leur session"), in matchmaking's
   * transaction: two statements whatever the number (issue 14).
   */
  async assignSessions(tx: Executor, slotIds: readonly string[], placements: Placements, now: Date): Promise<void> {
    await placementsRepository.assignSessions(tx, slotIds, placements);
    await this.outbox.recordGrouped(tx, placementsRepository.matchedEvents(placements, this.rules.joinWindowMs, now));
  }

  /** Records why matchmaking formed no session for these registrations (seed 000 §5.2 c), with `registration.unmatched`. */
  async markUnmatched(tx: Executor, slots: readonly SlotFacts[], unmatched: readonly MatchableRegistration[], reason: string, now: Date): Promise<void> {
    const slotOf = new Map(slots.map((slot) => [slot.id, slot]));
    await registrationsRepository.markUnmatched(tx, unmatched.map((r) => r.id), reason);
    await this.outbox.recordMany(tx, unmatched.map((r) => registrationUnmatched({ ...r, slot: slotOf.get(r.timeSlotId)! }, reason, now)));
  }

  /**
   * The reminder sweep (seed 000 §3.1 step 5): `registration.reminder` for each matched registration
   * whose slot starts within `RULES_REGISTRATION_REMINDER` and has not ended, exactly once: rows
   * are claimed with `FOR UPDATE SKIP LOCKED` and marked in the transaction that writes the event,
   * so restarts and several instances never send one twice.
   * @returns how many reminders were written.
   */
  async sendReminders(now: Date): Promise<number> {
    let sent = 0;
    for (;;) {
      const batch = await this.db.transaction(async (tx) => {
        const due = await registrationsRepository.claimDueReminders(tx, new Date(now.getTime() + this.rules.registrationReminderMs), now, REMINDER_BATCH);
        await registrationsRepository.markReminded(tx, due.map((r) => r.id), now);
        await this.outbox.recordMany(tx, due.map((r) => registrationReminder(r, r.sessionId!, now)));
        return due.length;
      });
      sent += batch;
      if (batch < REMINDER_BATCH) return sent;
    }
  }

  /**
   * An admin deactivated `slots` (the slots module's deactivation hook, in its transaction): their
   * `registered` registrations are cancelled, each with `registration.cancelled` and reason
   * `slot_deactivated` (seed 000 §4.1 `isActive`); the learners' lists say `SLOT_DEACTIVATED`.
   * @returns how many were cancelled.
   */
  async cancelForDeactivatedSlots(tx: Executor, slots: readonly SlotFacts[], now: Date): Promise<number> {
    const slotOf = new Map(slots.map((slot) => [slot.id, slot]));
    const cancelled = await registrationsRepository.cancelRegisteredForSlots(tx, [...slotOf.keys()], SLOT_DEACTIVATED, now);
    await this.outbox.recordMany(tx, cancelled.map((r) => registrationCancelled({ ...r, slot: slotOf.get(r.timeSlotId)! }, 'slot_deactivated', now)));
    return cancelled.length;
  }

  /** Erases a user's registrations (seed 000 §6.3 `user.deleted`), in the erasure's transaction. @returns how many. */
  eraseUser(tx: Executor, userId: string): Promise<number> {
    return registrationsRepository.deleteForUser(tx, userId);
  }

  /** Attendance when a slot session ends: `attended` if the member ever connected, else `noshow`. */
  async recordAttendance(tx: Executor, attended: string[], noshow: string[]): Promise<void> {
    await registrationsRepository.setStatus(tx, attended, 'attended');
    await registrationsRepository.setStatus(tx, noshow, 'noshow');
  }
}
