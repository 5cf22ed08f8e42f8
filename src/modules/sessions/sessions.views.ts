import type { RuleSettings } from '../../config.ts';
import type { EndReason, Session, SessionParticipant } from '../../protocol/sessions.ts';
import type { ParticipantRow, SessionRow, SessionState } from './sessions.repository.ts';

/** The wire shapes (`src/protocol/sessions.ts`, shared with the web client) under the module's names. */
export type { EndReason, HistoryItem } from '../../protocol/sessions.ts';
/** A participant as clients see it (seed 002 AC4, DESIGN 2). */
export type ParticipantView = SessionParticipant;
/** A session as clients see it. Times are ISO 8601 UTC. */
export type SessionView = Session;

/** A state change pushed to connected clients over signaling after it committed. */
export type SessionChange =
  | { type: 'started'; sessionId: string; startedAt: string }
  | { type: 'left'; sessionId: string; userId: string }
  | { type: 'host-changed'; sessionId: string; hostUserId: string }
  | { type: 'ended'; sessionId: string; reason: EndReason };

/**
 * What signaling admission needs (`authorizeSignaling`): the session's state and the caller's
 * participation. Times are ISO 8601 UTC.
 */
export interface SignalingAdmissionView {
  session: Pick<SessionView, 'id' | 'status' | 'startedAt' | 'endsAt'>;
  participant: ParticipantView;
}

/** ISO 8601 UTC, or null. */
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

/**
 * When a live session ends by itself: the slot end, or a private session's timeout
 * (`RULES_PRIVATE_SESSION_TIMEOUT`, seed 002 AC7) after its start; null once ended.
 */
export function endsAt(row: SessionState, rules: Pick<RuleSettings, 'privateSessionTimeoutMs'>): string | null {
  if (row.status === 'ended') return null;
  if (row.type !== 'private') return iso(row.scheduledEndAt);
  return row.startedAt ? new Date(row.startedAt.getTime() + rules.privateSessionTimeoutMs).toISOString() : null;
}

/** A participant row as clients see it. */
export function toParticipantView(p: ParticipantRow): ParticipantView {
  return {
    userId: p.userId,
    displayName: p.displayName,
    role: p.role as ParticipantView['role'],
    status: p.status as ParticipantView['status'],
    micEnabled: p.micEnabled,
    cameraEnabled: p.cameraEnabled,
    recordingConsent: p.recordingConsent,
    joinedAt: iso(p.joinedAt),
    leftAt: iso(p.leftAt),
    presenceSeconds: p.presenceSeconds,
    speakingTimeSeconds: Math.floor(p.speakingTimeMs / 1000),
  };
}

/** A session row and its members as clients see them. */
export function toSessionView(row: SessionRow, members: ParticipantRow[], rules: Pick<RuleSettings, 'privateSessionTimeoutMs'>): SessionView {
  return {
    id: row.id,
    type: row.type as SessionView['type'],
    timeSlotId: row.timeSlotId,
    targetLanguageCode: row.targetLanguageCode,
    level: row.level,
    topicId: row.topicId,
    topicTitle: row.topicTitle,
    status: row.status as SessionView['status'],
    endReason: row.endReason as EndReason | null,
    hostUserId: row.hostUserId,
    maxParticipants: row.maxParticipants,
    inviteCode: row.status === 'ended' ? null : row.inviteCode,
    scheduledStartAt: iso(row.scheduledStartAt),
    scheduledEndAt: iso(row.scheduledEndAt),
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    endsAt: endsAt(row, rules),
    recordingEnabled: row.recordingEnabled,
    participants: members.map(toParticipantView),
  };
}
