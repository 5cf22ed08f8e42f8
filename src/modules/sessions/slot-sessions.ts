import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import { newParticipantRow, newSessionRow } from './session-rows.ts';
import { sessionsRepository, type ParticipantRow, type SessionRow } from './sessions.repository.ts';

/** One member of a group formed by matchmaking. */
export interface MatchedMember {
  registrationId: string;
  userId: string;
  displayName: string;
}

/** The slot fields a slot session copies. */
export interface SlotForSession {
  id: string;
  targetLanguageCode: string;
  level: string;
  startTime: Date;
  durationMinutes: number;
}

/**
 * Seed 002 AC1 (and seed 000 §5.2): creates one `waiting` public session per matched group, for
 * several slots, inside the caller's transaction; the first matched member of a group is its host.
 * Two statements whatever the number of sessions: matchmaking forms thousands in one sweep
 * (DESIGN 6).
 * @returns the new session ids, per slot in group order.
 */
export async function createSlotSessions(tx: Executor, batch: { slot: SlotForSession; groups: MatchedMember[][] }[], now: Date): Promise<string[][]> {
  const ids = batch.map(({ groups }) => groups.map(() => crypto.randomUUID()));
  const sessionRows: SessionRow[] = [];
  const participantRows: ParticipantRow[] = [];
  batch.forEach(({ slot, groups }, s) =>
    groups.forEach((group, g) => {
      sessionRows.push({
        ...newSessionRow(ids[s][g], now),
        type: 'public',
        timeSlotId: slot.id,
        targetLanguageCode: slot.targetLanguageCode,
        level: slot.level,
        hostUserId: group[0].userId,
        maxParticipants: group.length,
        scheduledStartAt: slot.startTime,
        scheduledEndAt: new Date(slot.startTime.getTime() + slot.durationMinutes * 60_000),
      });
      group.forEach((m, i) =>
        participantRows.push({
          // createdAt + i keeps the matching order for host hand-over.
          ...newParticipantRow(ids[s][g], { userId: m.userId, displayName: m.displayName, role: i === 0 ? 'host' : 'participant', recordingConsent: false }, new Date(now.getTime() + i)),
          registrationId: m.registrationId,
        }),
      );
    }),
  );
  await sessionsRepository.insertSlotSessionsBulk(tx, sessionRows);
  await sessionsRepository.insertNewParticipantsBulk(tx, participantRows);
  return ids;
}
