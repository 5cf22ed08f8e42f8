import type { Executor } from '../../db/client.ts';
import type { AfterCommit, SessionCore } from './session-core.ts';
import { sessionsRepository } from './sessions.repository.ts';
import { toRecordedSessionView, type RecordedSessionView, type RecordingMemberView } from './sessions.views.ts';

/**
 * What the sessions module holds about recordings (DESIGN 4.7): the session and member state the
 * recordings module decides on, and who is being recorded now (`participants.recording`, listed
 * as `recordingParticipants` on the session and pushed to the call as a `recording` change). The
 * recordings themselves belong to the recordings module.
 */

/** A consent change, as hooks see it inside the transaction that stores it. */
export interface ConsentChange {
  sessionId: string;
  userId: string;
  consent: boolean;
  now: Date;
}

/**
 * Work another module does inside the transaction of a consent change (the recordings module
 * withdraws the user's recordings when consent goes): it may queue changes and tasks in `after`.
 * A hook that throws rolls the consent change back.
 */
export type ConsentHook = (tx: Executor, after: AfterCommit, change: ConsentChange) => Promise<void>;

/**
 * The session and the user's membership, read in `tx`; with `lock`, the session row is locked
 * (a recording that starts and a consent that is withdrawn serialise on it).
 * @returns null when there is no such session; `member` null when the user is not a member.
 */
export async function recordingTarget(
  core: SessionCore,
  tx: Executor,
  sessionId: string,
  userId: string,
  opts: { lock: boolean },
): Promise<{ session: RecordedSessionView; member: RecordingMemberView | null } | null> {
  const row = opts.lock ? await sessionsRepository.lockById(tx, sessionId) : await sessionsRepository.findById(tx, sessionId);
  if (!row) return null;
  const p = await sessionsRepository.findParticipant(tx, sessionId, userId);
  const member = p ? { userId, recordingConsent: p.recordingConsent, leftOnPurpose: p.leftReason === 'left', recording: p.recording } : null;
  return { session: toRecordedSessionView(row, core.rules), member };
}

/**
 * Stores whether the member's own audio is being recorded now, in `tx`; when it changed, the
 * call hears it after the commit (`recording` change, broadcast by signaling on every instance).
 */
export async function markRecording(tx: Executor, after: AfterCommit, sessionId: string, userId: string, recording: boolean): Promise<void> {
  const p = await sessionsRepository.findParticipant(tx, sessionId, userId);
  if (!p || p.recording === recording) return;
  await sessionsRepository.updateParticipant(tx, p.id, { recording });
  after.changes.push({ type: 'recording', sessionId, userId, recording });
}

/** The sessions among `ids` that exist, as the recordings module needs them. */
export async function recordedSessions(core: SessionCore, db: Executor, ids: string[]): Promise<RecordedSessionView[]> {
  return (await sessionsRepository.listSessionsByIds(db, ids)).map((row) => toRecordedSessionView(row, core.rules));
}
