import crypto from 'node:crypto';
import type { PartUrl, StartedRecording } from '../../protocol/recordings.ts';
import { MAX_PART_NUMBER } from '../../protocol/recordings.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { RecordedSessionView } from '../sessions/sessions.service.ts';
import { settleInterrupted } from './complete-recording.ts';
import { partKey, recordingContentType, recordingKey } from './media.ts';
import { MAX_PART_BYTES, MAX_RECORDINGS_PER_SESSION, PART_INTERVAL_MS, type RecordingsContext } from './recordings-context.ts';
import { RecordingErrors } from './recordings.errors.ts';
import { recordingsRepository, type RecordingRow } from './recordings.repository.ts';

/**
 * `POST /api/sessions/{id}/recordings` (DESIGN 4.7, seed 000 §5.4): a consenting member of an
 * active session starts recording their own microphone. One capture at a time: a recording of
 * theirs still open in this session (a reloaded page cannot continue its file) is interrupted, and
 * completed from its chunks after the commit. The member is shown as recorded to the call.
 * @throws AppError validation/UNSUPPORTED_CONTENT_TYPE, not_found/SESSION_NOT_FOUND (not a member),
 *   forbidden/LEFT_SESSION, conflict/SESSION_NOT_ACTIVE, forbidden/CONSENT_REQUIRED,
 *   limit_reached/TOO_MANY_RECORDINGS.
 */
export async function startRecording(ctx: RecordingsContext, user: AuthUser, sessionId: string, requestedType: string, now: Date): Promise<StartedRecording> {
  const contentType = recordingContentType(requestedType);
  if (!contentType) throw RecordingErrors.unsupportedType(requestedType);
  const { row, session, interrupted } = await ctx.sessions.transact(async (tx, after) => {
    // The session row lock orders this start after (or before) a consent withdrawal.
    const target = await ctx.sessions.recordingTarget(tx, sessionId, user.id, { lock: true });
    if (!target?.member) throw RecordingErrors.sessionNotFound();
    const { session, member } = target;
    if (member.leftOnPurpose) throw RecordingErrors.leftSession();
    if (session.status !== 'active' || !session.startedAt) throw RecordingErrors.sessionNotActive();
    if (!member.recordingConsent) throw RecordingErrors.consentRequired();
    const mine = await recordingsRepository.lockOfUserInSession(tx, sessionId, user.id);
    if (mine.length >= MAX_RECORDINGS_PER_SESSION) throw RecordingErrors.tooMany(MAX_RECORDINGS_PER_SESSION);
    const open = mine.filter((r) => r.status === 'recording' && r.interruptedAt === null);
    for (const r of open) await recordingsRepository.update(tx, r.id, { interruptedAt: now, updatedAt: now });
    const id = crypto.randomUUID();
    const row: RecordingRow = {
      id,
      sessionId,
      userId: user.id,
      status: 'recording',
      contentType,
      objectKey: recordingKey(sessionId, id, contentType),
      startedAt: now,
      startOffsetMs: Math.max(0, now.getTime() - session.startedAt.getTime()),
      lastPartNumber: 0,
      lastActivityAt: now,
      interruptedAt: null,
      claimedUntil: null,
      durationMs: null,
      sizeBytes: null,
      partCount: null,
      endedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await recordingsRepository.insert(tx, row);
    await ctx.sessions.markRecording(tx, after, sessionId, user.id, true);
    return { row, session, interrupted: open.length };
  });
  if (interrupted) ctx.background.run('settle interrupted recordings', () => settleInterrupted(ctx, now));
  const closesAt = uploadsCloseAt(session, ctx.settings.uploadGraceMs);
  return {
    id: row.id,
    contentType,
    partSize: MAX_PART_BYTES,
    partIntervalMs: PART_INTERVAL_MS,
    maxPartNumber: MAX_PART_NUMBER,
    startOffsetMs: row.startOffsetMs,
    expiresAt: closesAt?.toISOString() ?? null,
  };
}

/**
 * `POST /api/recordings/{id}/parts` (DESIGN 4.7): a signed upload URL for chunk `partNumber` of
 * the caller's open recording, valid `STORAGE_UPLOAD_URL_TTL` (never past the end of the upload
 * window). Asking counts as a sign of life of the capture.
 * @throws AppError not_found/RECORDING_NOT_FOUND (not the caller's), validation/UPLOAD_WINDOW_CLOSED
 *   (the session ended more than `RULES_RECORDING_UPLOAD_GRACE` ago), conflict/RECORDING_NOT_OPEN.
 */
export async function partUrl(ctx: RecordingsContext, user: AuthUser, recordingId: string, partNumber: number, now: Date): Promise<PartUrl> {
  const found = await recordingsRepository.findById(ctx.db, recordingId);
  // Withdrawn and aborted recordings are gone, as reads see them.
  if (!found || found.userId !== user.id || found.status === 'withdrawn' || found.status === 'aborted') throw RecordingErrors.notFound();
  const [session] = await ctx.sessions.recordedSessions([found.sessionId]);
  const closesAt = session ? uploadsCloseAt(session, ctx.settings.uploadGraceMs) : null;
  if (session?.status === 'ended' && closesAt && now.getTime() >= closesAt.getTime()) throw RecordingErrors.uploadWindowClosed(closesAt.toISOString());
  const row = await recordingsRepository.touchForPart(ctx.db, recordingId, partNumber, now);
  if (!row) throw RecordingErrors.notOpen(found.interruptedAt ? 'interrupted' : found.status);
  const ttlMs = closesAt ? Math.max(1000, Math.min(ctx.settings.uploadUrlTtlMs, closesAt.getTime() - now.getTime())) : ctx.settings.uploadUrlTtlMs;
  const signed = await ctx.storage.presignPut(partKey(row.objectKey, partNumber), row.contentType, ttlMs, MAX_PART_BYTES);
  return { partNumber, url: signed.url, method: 'PUT', headers: signed.headers, expiresAt: signed.expiresAt.toISOString() };
}

/** When uploads of a session's recordings stop being accepted: its end (or planned end) plus the upload grace; null when unknown. */
export function uploadsCloseAt(session: Pick<RecordedSessionView, 'endedAt' | 'endsAt'>, graceMs: number): Date | null {
  const end = session.endedAt ?? session.endsAt;
  return end ? new Date(end.getTime() + graceMs) : null;
}
