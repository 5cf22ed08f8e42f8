import type { Executor } from '../../db/client.ts';
import type { Placements } from '../registrations/registrations.service.ts';
import { newSessionRow } from './session-rows.ts';
import { sessionsRepository, type SessionRow } from './sessions.repository.ts';

/** The slot fields a slot session copies. */
export interface SlotForSession {
  id: string;
  targetLanguageCode: string;
  level: string;
  startTime: Date;
  durationMinutes: number;
}

/** One session matchmaking formed: its new id, its slot and how many members it takes. */
export interface PlannedSlotSession {
  id: string;
  slot: SlotForSession;
  size: number;
}

/**
 * Seed 002 AC1 (and seed 000 §5.2): creates one `waiting` public session per planned group, with
 * its `waiting` participants, inside matchmaking's transaction. The members come from
 * `placements` (the registrations module's select: `registration_id`, `user_id`, `display_name`,
 * `session_id`, `position`), so 100,000 of them never cross into JavaScript (issue 14); the member
 * at position 0 (the group's first registrant) hosts. Two statements whatever the number.
 */
export async function createSlotSessions(tx: Executor, planned: readonly PlannedSlotSession[], placements: Placements, now: Date): Promise<void> {
  if (planned.length === 0) return;
  const rows: SessionRow[] = planned.map(({ id, slot, size }) => ({
    ...newSessionRow(id, now),
    type: 'public',
    timeSlotId: slot.id,
    targetLanguageCode: slot.targetLanguageCode,
    level: slot.level,
    maxParticipants: size,
    scheduledStartAt: slot.startTime,
    scheduledEndAt: new Date(slot.startTime.getTime() + slot.durationMinutes * 60_000),
  }));
  await sessionsRepository.insertSlotSessionsBulk(tx, rows, placements);
  await sessionsRepository.insertPlacedParticipants(tx, placements, now);

}
