import crypto from 'node:crypto';
import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import { Batcher } from '../../shared/batcher.ts';
import type { AppError } from '../../shared/errors.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import { registrationClosesAt, type SlotRow, type SlotsService } from '../slots/slots.service.ts';
import { RegistrationErrors } from './registrations.errors.ts';
import { registrationCreated } from './registrations.events.ts';
import { registrationsRepository, type RegistrationRow } from './registrations.repository.ts';
import { toView, type RegistrationView } from './registrations.views.ts';

/** At most this many active registrations per user (seed 000 §5.1, §7.3). */
export const MAX_ACTIVE_REGISTRATIONS = 3;

/** Called with a registration's answer inside its transaction, last; what it throws rolls that registration back. */
export type BeforeCommit = (tx: Executor, view: RegistrationView) => Promise<void>;

/** One registration attempt: who, to which slot, at `now` (UTC). */
export interface RegistrationAttempt {
  user: AuthUser;
  slotId: string;
  now: Date;
  beforeCommit?: BeforeCommit;
}

/** The figures an attempt is checked against (`registrationsRepository.standings`). */
export interface Standing {
  alreadyRegistered: boolean;
  activeForUser: number;
  takenInSlot: number;
}

type Outcome = { ok: true; view: RegistrationView } | { ok: false; error: unknown };

/**
 * Why an attempt is refused, or null when it may register (seed 000 §5.1), in the order a learner
 * is told: the slot exists, is offered, is still open `rules.registrationCutoffMs` before its start,
 * the learner is not registered to it yet, holds fewer than 3 active registrations, and the slot
 * has a seat. `alsoTaken`: seats given to earlier attempts of the same batch.
 */
export function refusal(slot: SlotRow | undefined, standing: Standing, alsoTaken: number, now: Date, rules: Pick<RuleSettings, 'registrationCutoffMs'>): AppError | null {
  if (!slot) return RegistrationErrors.slotNotFound();
  if (!slot.isActive) return RegistrationErrors.slotInactive();
  const closesAt = registrationClosesAt(slot, rules.registrationCutoffMs);
  if (now.getTime() >= closesAt) return RegistrationErrors.registrationClosed(new Date(closesAt).toISOString());
  if (standing.alreadyRegistered) return RegistrationErrors.alreadyRegistered();
  if (standing.activeForUser >= MAX_ACTIVE_REGISTRATIONS) return RegistrationErrors.tooMany(MAX_ACTIVE_REGISTRATIONS);
  if (standing.takenInSlot + alsoTaken >= slot.maxParticipants) return RegistrationErrors.slotFull();
  return null;
}

/**
 * Registration attempts in batches (issue 14: registration latency at 100 concurrent clients):
 * attempts that arrive while a batch is being written go together in the next one, one
 * transaction of five statements whatever their number (the users' advisory locks, the slots' row
 * locks, the checks, the inserts, the `registration.created` events), plus each attempt's
 * `beforeCommit`, run together (the idempotency answers they store go in one statement). A lone
 * attempt waits for nothing. The rules are those of one attempt at a time,
 * applied in arrival order: seats given earlier in the batch count, and a user's attempts never
 * share a batch. If the batch's transaction fails (one attempt's `beforeCommit` throwing, a
 * deadlock), each of its attempts runs again alone, so one failure is that attempt's only.
 */
export class RegistrationBatches {
  private readonly batcher: Batcher<RegistrationAttempt, Outcome>;

  /** @param opts `maxBatch` attempts per transaction; `maxInFlight` transactions at once. */
  constructor(
    private readonly db: Executor,
    private readonly rules: RuleSettings,
    private readonly slots: SlotsService,
    private readonly outbox: OutboxService,
    opts = { maxBatch: 100, maxInFlight: 1 },
  ) {
    this.batcher = new Batcher((attempts) => this.run(attempts), (a) => a.user.id, opts);
  }

  /**
   * Registers `attempt.user` to `attempt.slotId`.
   * @throws AppError as `refusal` says, or the error of the attempt's own transaction.
   */
  async register(attempt: RegistrationAttempt): Promise<RegistrationView> {
    const outcome = await this.batcher.call(attempt);
    if (!outcome.ok) throw outcome.error;
    return outcome.view;
  }

  private async run(attempts: RegistrationAttempt[]): Promise<Outcome[]> {
    try {
      return await this.db.transaction((tx) => this.write(tx, attempts));
    } catch (err) {
      if (attempts.length === 1) return [{ ok: false, error: err }];
      // One after the other, in arrival order, as the batch would have applied them.
      const outcomes: Outcome[] = [];
      for (const attempt of attempts) outcomes.push((await this.run([attempt]))[0]!);
      return outcomes;
    }
  }

  private async write(tx: Executor, attempts: RegistrationAttempt[]): Promise<Outcome[]> {
    await registrationsRepository.lockUsers(tx, attempts.map((a) => a.user.id));
    const slots = await this.slots.lockSlots(tx, attempts.map((a) => a.slotId));
    const standings = await registrationsRepository.standings(tx, attempts.map((a) => ({ slotId: a.slotId, userId: a.user.id, now: a.now })));
    const given = new Map<string, number>();
    const outcomes: Outcome[] = [];
    const rows: Omit<RegistrationRow, 'seq'>[] = [];
    const accepted: { attempt: RegistrationAttempt; view: RegistrationView }[] = [];
    attempts.forEach((attempt, i) => {
      const slot = slots.get(attempt.slotId);
      const error = refusal(slot, standings[i]!, given.get(attempt.slotId) ?? 0, attempt.now, this.rules);
      if (error || !slot) return void outcomes.push({ ok: false, error });
      given.set(slot.id, (given.get(slot.id) ?? 0) + 1);
      const row = {
        id: crypto.randomUUID(),
        timeSlotId: slot.id,
        userId: attempt.user.id,
        displayName: attempt.user.name,
        status: 'registered',
        registeredAt: attempt.now,
        cancelledAt: null,
        sessionId: null,
        unmatchedReason: null,
        remindedAt: null,
      };
      rows.push(row);
      // The answer is built from what the transaction writes and the slot it locked: no read after commit.
      const view = toView({ ...row, slot });
      accepted.push({ attempt, view });
      outcomes.push({ ok: true, view });
    });
    await registrationsRepository.insertMany(tx, rows);
    await this.outbox.recordMany(tx, rows.map((row) => registrationCreated({ ...row, slot: slots.get(row.timeSlotId)! }, row.registeredAt)));
    // Together, so that what they write can go in one statement (the Idempotency-Key answers).
    await Promise.all(accepted.map(({ attempt, view }) => attempt.beforeCommit?.(tx, view)));
    return outcomes;
  }
}
