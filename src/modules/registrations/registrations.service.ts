import crypto from 'node:crypto';
import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { Registration, RegistrationStatus } from '../../protocol/registrations.ts';
import { AppError } from '../../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { SlotsService } from '../slots/slots.service.ts';
import { registrationsRepository, type RegistrationRow, type RegistrationWithSlot } from './registrations.repository.ts';

/** At most this many active registrations per user (seed 000 §5.1, §7.3). */
export const MAX_ACTIVE_REGISTRATIONS = 3;

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

/** A registration as clients see it (the wire's `Registration`; ISO 8601 UTC times). */
export type RegistrationView = Registration;

/**
 * Registrations to time slots (seed 000 §3.1, §5.1): register until `RULES_REGISTRATION_CUTOFF`
 * before the start, within the slot's capacity, at most 3 active per user, once per slot; cancel
 * until `RULES_CANCELLATION_CUTOFF`. Limits hold under concurrency: each attempt takes a per-user
 * advisory lock, then the slot row lock, inside one transaction (DESIGN 5).
 */
export class RegistrationsService {
  constructor(
    private readonly db: Executor,
    private readonly rules: RuleSettings,
    private readonly slots: SlotsService,
  ) {}

  /**
   * Registers the caller to a slot.
   * @throws AppError not_found/SLOT_NOT_FOUND, conflict/SLOT_INACTIVE, conflict/REGISTRATION_CLOSED,
   *   conflict/ALREADY_REGISTERED, limit_reached/TOO_MANY_REGISTRATIONS, conflict/SLOT_FULL.
   */
  async register(user: AuthUser, slotId: string, now: Date): Promise<RegistrationView> {
    const id = crypto.randomUUID();
    await this.db.transaction(async (tx) => {
      await registrationsRepository.lockUser(tx, user.id);
      const slot = await this.slots.lockSlot(tx, slotId);
      if (!slot) throw new AppError('not_found', 'SLOT_NOT_FOUND', 'No such time slot');
      if (!slot.isActive) throw new AppError('conflict', 'SLOT_INACTIVE', 'This time slot is no longer offered');
      const closesAt = slot.startTime.getTime() - this.rules.registrationCutoffMs;
      if (now.getTime() >= closesAt) {
        throw new AppError('conflict', 'REGISTRATION_CLOSED', `Registration closed at ${new Date(closesAt).toISOString()}`);
      }
      if (await registrationsRepository.findActiveForSlotAndUser(tx, slotId, user.id)) {
        throw new AppError('conflict', 'ALREADY_REGISTERED', 'You are already registered to this time slot');
      }
      const active = await registrationsRepository.countActiveForUser(tx, user.id, now);
      if (active >= MAX_ACTIVE_REGISTRATIONS) {
        throw new AppError('limit_reached', 'TOO_MANY_REGISTRATIONS', `At most ${MAX_ACTIVE_REGISTRATIONS} active registrations per user`, {
          limit: MAX_ACTIVE_REGISTRATIONS,
        });
      }
      const taken = await this.slots.countActiveRegistrations(tx, slotId);
      if (taken >= slot.maxParticipants) throw new AppError('conflict', 'SLOT_FULL', 'This time slot is full');
      await registrationsRepository.insert(tx, {
        id,
        timeSlotId: slotId,
        userId: user.id,
        displayName: user.name,
        status: 'registered',
        registeredAt: now,
        cancelledAt: null,
        sessionId: null,
        unmatchedReason: null,
      });
    });
    return this.get(user, id);
  }

  /**
   * Cancels one of the caller's registrations.
   * @throws AppError not_found/REGISTRATION_NOT_FOUND (also when not the caller's),
   *   conflict/NOT_CANCELLABLE, conflict/CANCELLATION_CLOSED.
   */
  async cancel(user: AuthUser, registrationId: string, now: Date): Promise<RegistrationView> {
    await this.db.transaction(async (tx) => {
      const reg = await registrationsRepository.lockById(tx, registrationId);
      if (!reg || reg.userId !== user.id) throw new AppError('not_found', 'REGISTRATION_NOT_FOUND', 'No such registration');
      if (reg.status !== 'registered') throw new AppError('conflict', 'NOT_CANCELLABLE', `The registration is ${reg.status}`);
      const closesAt = reg.slot.startTime.getTime() - this.rules.cancellationCutoffMs;
      if (now.getTime() > closesAt) {
        throw new AppError('conflict', 'CANCELLATION_CLOSED', `Cancellation closed at ${new Date(closesAt).toISOString()}`);
      }
      await registrationsRepository.cancel(tx, registrationId, now);
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
    if (!row || row.userId !== user.id) throw new AppError('not_found', 'REGISTRATION_NOT_FOUND', 'No such registration');
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

  /** `registered` registrations of some slots, per slot in registration order (matchmaking input). */
  listRegisteredForSlots(tx: Executor, slotIds: string[]): Promise<RegistrationRow[]> {
    return registrationsRepository.listRegisteredForSlots(tx, slotIds);
  }

  /** Records the session matchmaking placed each registration in. */
  assignSessions(tx: Executor, slotIds: string[], assignments: { registrationId: string; sessionId: string }[]): Promise<void> {
    return registrationsRepository.assignSessions(tx, slotIds, assignments);
  }

  /** Records why matchmaking formed no session for these registrations (seed 000 §5.2 c). */
  markUnmatched(tx: Executor, registrationIds: string[], reason: string): Promise<void> {
    return registrationsRepository.markUnmatched(tx, registrationIds, reason);
  }

  /** Attendance when a slot session ends: `attended` if the member ever connected, else `noshow`. */
  async recordAttendance(tx: Executor, attended: string[], noshow: string[]): Promise<void> {
    await registrationsRepository.setStatus(tx, attended, 'attended');
    await registrationsRepository.setStatus(tx, noshow, 'noshow');
  }
}

function toView(row: RegistrationWithSlot): RegistrationView {
  return {
    id: row.id,
    timeSlotId: row.timeSlotId,
    userId: row.userId,
    status: row.status as RegistrationStatus,
    registeredAt: row.registeredAt.toISOString(),
    cancelledAt: row.cancelledAt?.toISOString() ?? null,
    sessionId: row.sessionId,
    unmatchedReason: row.unmatchedReason,
    slot: {
      startTime: row.slot.startTime.toISOString(),
      endTime: new Date(row.slot.startTime.getTime() + row.slot.durationMinutes * 60_000).toISOString(),
      durationMinutes: row.slot.durationMinutes,
      targetLanguageCode: row.slot.targetLanguageCode,
      level: row.slot.level,
    },
  };
}
