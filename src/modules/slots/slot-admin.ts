/**
 * Slot administration (seed 000 §4.1 `isActive`, §5.1): an admin edits a slot while its
 * registration is open, and deactivates or reactivates it, alone or with its series from this
 * occurrence on. Everything happens in one transaction under the slots' row locks, the same locks
 * a registration takes (`RegistrationsService.register`): a registration racing a deactivation
 * either sees the slot inactive (`SLOT_INACTIVE`) or commits first and is cancelled with the others.
 */
import type { RuleSettings } from '../../config.ts';
import type { Executor } from '../../db/client.ts';
import type { PatchSlotBody } from '../../protocol/slots.ts';
import { SlotErrors } from './slots.errors.ts';
import { slotsRepository, type SeriesEdit, type SlotEdit, type SlotRow } from './slots.repository.ts';
import { MAX_SESSION_SIZE } from './slot-limits.ts';

/**
 * Runs inside the transaction that deactivates `slots` (only those that were active): the
 * registrations module cancels their registrations there, with `registration.cancelled`. A hook
 * that throws rolls the deactivation back.
 */
export type SlotDeactivationHook = (tx: Executor, slots: readonly SlotRow[], now: Date) => Promise<void>;

/** What the use cases need. */
export interface SlotAdminContext {
  db: Executor;
  rules: Pick<RuleSettings, 'registrationCutoffMs'>;
  deactivationHooks: Iterable<SlotDeactivationHook>;
}

/** Fields whose change would alter what registered learners signed up for. */
const PROMISED_FIELDS = ['startTime', 'durationMinutes', 'targetLanguageCode', 'level'] as const;

/** When a slot's registration closes (`RULES_REGISTRATION_CUTOFF` before its start, seed 000 §5.1), ms since the epoch. */
export function registrationClosesAt(slot: Pick<SlotRow, 'startTime'>, cutoffMs: number): number {
  return slot.startTime.getTime() - cutoffMs;
}

/** True while learners may register: before the cutoff and before matchmaking processed the slot. */
export function isRegistrationOpen(slot: Pick<SlotRow, 'startTime' | 'matchedAt'>, now: Date, cutoffMs: number): boolean {
  return slot.matchedAt === null && now.getTime() < registrationClosesAt(slot, cutoffMs);
}

/** The edit part of a PATCH body, with values equal to the slot's current ones left out. */
export function editOf(slot: SlotRow, patch: PatchSlotBody): SlotEdit {
  const edit: SlotEdit = {};
  if (patch.startTime !== undefined && new Date(patch.startTime).getTime() !== slot.startTime.getTime()) edit.startTime = new Date(patch.startTime);
  if (patch.durationMinutes !== undefined && patch.durationMinutes !== slot.durationMinutes) edit.durationMinutes = patch.durationMinutes;
  if (patch.maxParticipants !== undefined && patch.maxParticipants !== slot.maxParticipants) edit.maxParticipants = patch.maxParticipants;
  if (patch.minParticipants !== undefined && patch.minParticipants !== slot.minParticipants) edit.minParticipants = patch.minParticipants;
  if (patch.targetLanguageCode !== undefined && patch.targetLanguageCode !== slot.targetLanguageCode) edit.targetLanguageCode = patch.targetLanguageCode;
  if (patch.level !== undefined && patch.level !== slot.level) edit.level = patch.level;
  return edit;
}

/**
 * What is wrong with `edit` on `slot` at `now`, independent of registrations (seed 000 §2.1, §5.1).
 * @returns the problems, empty when the edit is valid.
 */
export function editProblems(slot: SlotRow, edit: SlotEdit, now: Date, cutoffMs: number): string[] {
  const problems: string[] = [];
  if (edit.startTime) {
    if (Number.isNaN(edit.startTime.getTime())) problems.push('startTime is not a valid date');
    else if (registrationClosesAt({ startTime: edit.startTime }, cutoffMs) <= now.getTime()) {
      problems.push(`startTime must be more than ${Math.round(cutoffMs / 60_000)} minutes ahead, so that registration stays open`);
    }
  }
  const min = edit.minParticipants ?? slot.minParticipants;
  const max = edit.maxParticipants ?? slot.maxParticipants;
  if (min > max) problems.push('minParticipants cannot exceed maxParticipants');
  if (min > MAX_SESSION_SIZE) problems.push(`minParticipants cannot exceed ${MAX_SESSION_SIZE} (largest session)`);
  return problems;
}

/**
 * `PATCH /api/slots/{id}`: applies the edit and the (de)activation of `patch` to the slot, or with
 * `scope: 'series'` to its series' open occurrences from this one on and to the series rule.
 * @throws AppError not_found/SLOT_NOT_FOUND, conflict/SLOT_CLOSED (registration closed),
 *   validation/INVALID_SLOT, conflict/SERIES_TIME_FIXED, conflict/SLOT_HAS_REGISTRATIONS,
 *   conflict/CAPACITY_BELOW_REGISTRATIONS, and whatever a deactivation hook throws.
 */
export async function updateSlot(ctx: SlotAdminContext, id: string, patch: PatchSlotBody, now: Date): Promise<void> {
  const cutoffMs = ctx.rules.registrationCutoffMs;
  // `scope` alone (the schema's default fills it in) asks for nothing.
  if (Object.keys(patch).every((k) => k === 'scope')) throw SlotErrors.invalid(['nothing to change']);
  await ctx.db.transaction(async (tx) => {
    const [slot] = await slotsRepository.lockByIds(tx, [id]);
    if (!slot) throw SlotErrors.notFound();
    if (!isRegistrationOpen(slot, now, cutoffMs)) throw SlotErrors.closed(new Date(registrationClosesAt(slot, cutoffMs)).toISOString());
    const seriesId = patch.scope === 'series' ? slot.seriesId : null;
    const targets = seriesId ? await slotsRepository.lockOpenSeriesOccurrences(tx, seriesId, slot.startTime, new Date(now.getTime() + cutoffMs)) : [slot];

    const edit = editOf(slot, patch);
    if (Object.keys(edit).length > 0) {
      if (edit.startTime && slot.seriesId) throw SlotErrors.seriesTimeFixed();
      const problems = editProblems(slot, edit, now, cutoffMs);
      if (problems.length) throw SlotErrors.invalid(problems);
      const counts = await slotsRepository.countActiveRegistrationsBySlot(tx, targets.map((s) => s.id));
      for (const target of targets) {
        const registered = counts.get(target.id) ?? 0;
        const promised = PROMISED_FIELDS.filter((f) => edit[f] !== undefined && String(edit[f]) !== String(target[f]));
        if (registered > 0 && promised.length > 0) throw SlotErrors.hasRegistrations(registered, promised);
        if (edit.maxParticipants !== undefined && edit.maxParticipants < registered) throw SlotErrors.capacityBelowRegistrations(registered);
      }
      await slotsRepository.updateSlots(tx, targets.map((s) => s.id), edit, now);
      if (seriesId) {
        const { startTime: _fixed, ...seriesEdit } = edit;
        if (Object.keys(seriesEdit).length) await slotsRepository.updateSeries(tx, seriesId, seriesEdit satisfies SeriesEdit, now);
      }
    }

    if (patch.isActive !== undefined) {
      const changing = targets.filter((s) => s.isActive !== patch.isActive).map((s) => s.id);
      const changed = await slotsRepository.updateSlots(tx, changing, { isActive: patch.isActive }, now);
      if (seriesId) await slotsRepository.updateSeries(tx, seriesId, { isActive: patch.isActive }, now);
      if (!patch.isActive && changed.length) for (const hook of ctx.deactivationHooks) await hook(tx, changed, now);
    }
  });
}
