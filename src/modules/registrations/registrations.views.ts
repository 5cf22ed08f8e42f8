import type { Registration, RegistrationStatus } from '../../protocol/registrations.ts';
import type { RegistrationWithSlot } from './registrations.repository.ts';

/** A registration as clients see it (the wire's `Registration`; ISO 8601 UTC times). */
export type RegistrationView = Registration;

/** The wire view of a registration row with its slot's fields. */
export function toView(row: Omit<RegistrationWithSlot, 'seq'>): RegistrationView {
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
