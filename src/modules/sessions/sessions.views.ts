import type { RuleSettings } from '../../config.ts';
import type { ParticipantRow, SessionRow, SessionState } from './sessions.repository.ts';

/** Why a session ended (DESIGN 2). */
export type EndReason = 'completed' | 'timeout' | 'host_ended' | 'all_left' | 'cancelled';

/** A state change pushed to connected clients over signaling after it committed. */
export type SessionChange =
  | { type: 'started'; sessionId: string; startedAt: string }
  | { type: 'left'; sessionId: string; userId: string }
  | { type: 'host-changed'; sessionId: string; hostUserId: string }
  | { type: 'ended'; sessionId: string; reason: EndReason };

/** A participant as clients see it (seed 002 AC4, DESIGN 2). */
export interface ParticipantView {
  userId: string;
  displayName: string;
  role: 'host' | 'participant';
  /** `waiting` (never connected) | `connected` | `disconnected`. */
  status: 'waiting' | 'connected' | 'disconnected';
  micEnabled: boolean;
  cameraEnabled: boolean;
  recordingConsent: boolean;
  joinedAt: string | null;
  leftAt: string | null;
  presenceSeconds: number;
  speakingTimeSeconds: number;
}

/** A session as clients see it. Times are ISO 8601 UTC. */
export interface SessionView {
  id: string;
  type: 'public' | 'private';
  timeSlotId: string | null;
  targetLanguageCode: string;
  level: string | null;
  topicId: string | null;
  topicTitle: string | null;
  status: 'waiting' | 'active' | 'ended';
  endReason: EndReason | null;
  hostUserId: string | null;
  maxParticipants: number;
  /** Private sessions only, shown to members while the session is live. */
  inviteCode: string | null;
  scheduledStartAt: string | null;
  scheduledEndAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** When the session will end on its own (slot end, or private timeout once started), or null. */
  endsAt: string | null;
  recordingEnabled: boolean;
  participants: ParticipantView[];
}

/**
 * What signaling admission needs (`authorizeSignaling`): the session's state and the caller's
 * participation. Times are ISO 8601 UTC.
 */
export interface SignalingAdmissionView {
  session: Pick<SessionView, 'id' | 'status' | 'startedAt' | 'endsAt'>;
  participant: ParticipantView;
}

/** One entry of `GET /api/sessions/history` (seed 002 AC8, seed 000 §3.4). */
export interface HistoryItem {
  id: string;
  type: 'public' | 'private';
  targetLanguageCode: string;
  level: string | null;
  topicTitle: string | null;
  participantCount: number;
  durationSeconds: number;
  status: 'ended';
  endReason: EndReason | null;
  startedAt: string | null;
  endedAt: string | null;
  myPresenceSeconds: number;
  mySpeakingTimeSeconds: number;
  myRating: { rating: number; comment: string | null } | null;
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
