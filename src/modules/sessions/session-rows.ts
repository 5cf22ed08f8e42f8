import crypto from 'node:crypto';
import type { ParticipantRow, SessionRow } from './sessions.repository.ts';

/** A new `waiting` session row with every optional field empty; callers spread their own fields over it. */
export function newSessionRow(id: string, now: Date): SessionRow {
  return {
    id,
    type: 'public',
    timeSlotId: null,
    targetLanguageCode: '',
    level: null,
    status: 'waiting',
    endReason: null,
    hostUserId: null,
    maxParticipants: 2,
    inviteCode: null,
    topicId: null,
    topicTitle: null,
    scheduledStartAt: null,
    scheduledEndAt: null,
    startedAt: null,
    endedAt: null,
    recordingEnabled: false,
    lastPresenceAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** A new participant who has not connected yet (seed 002 AC3-AC4: status `waiting`). */
export function newParticipantRow(
  sessionId: string,
  member: { userId: string; displayName: string; role: 'host' | 'participant'; recordingConsent: boolean },
  createdAt: Date,
): ParticipantRow {
  return {
    id: crypto.randomUUID(),
    sessionId,
    userId: member.userId,
    displayName: member.displayName,
    registrationId: null,
    role: member.role,
    status: 'waiting',
    cameraEnabled: true,
    micEnabled: true,
    recordingConsent: member.recordingConsent,
    recording: false,
    joinedAt: null,
    leftAt: null,
    leftReason: null,
    lastPresenceAt: null,
    connectedSince: null,
    presenceSeconds: 0,
    speakingTimeMs: 0,
    createdAt,
  };
}
