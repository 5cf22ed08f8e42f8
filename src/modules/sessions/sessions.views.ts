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
  | { type: 'ended'; sessionId: string; reason: EndReason }
  /** A member's own audio started or stopped being recorded (DESIGN 4.7: everyone in the call sees who). */
  | { type: 'recording'; sessionId: string; userId: string; recording: boolean };

/**
 * What signaling admission needs (`authorizeSignaling`): the session's state and the caller's
 * participation. Times are ISO 8601 UTC.
 */
export interface SignalingAdmissionView {
  session: Pick<SessionView, 'id' | 'status' | 'startedAt' | 'endsAt'>;
  /** `recording`: their own audio is being recorded right now. */
  participant: ParticipantView & { recording: boolean };
}

/**
 * A session as the recordings module needs it (DESIGN 4.7): its state, its times and the fields
 * `session.recorded` carries. Times are UTC instants.
 */
export interface RecordedSessionView {
  id: string;
  status: SessionView['status'];
  targetLanguageCode: string;
  level: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  /** When a live session ends by itself (`endsAt`), or null. */
  endsAt: Date | null;
}

/** A member as the recordings module needs it: consent, presence and whether they are recorded now. */
export interface RecordingMemberView {
  userId: string;
  recordingConsent: boolean;
  /** Left on purpose (`POST …/leave`); a drop is not a leave. */
  leftOnPurpose: boolean;
  recording: boolean;
}

/** The `RecordedSessionView` of a session row. */
export function toRecordedSessionView(row: SessionRow, rules: Pick<RuleSettings, 'privateSessionTimeoutMs'>): RecordedSessionView {
  const ends = endsAt(row, rules);
  return {
    id: row.id,
    status: row.status as SessionView['status'],
    targetLanguageCode: row.targetLanguageCode,
    level: row.level,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    endsAt: ends ? new Date(ends) : null,
  };
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
    recordingParticipants: row.status === 'ended' ? [] : members.filter((m) => m.recording && m.leftAt === null).map((m) => m.userId),
    participants: members.map(toParticipantView),
  };
}
