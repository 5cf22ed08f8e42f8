import type { Recording, RecordingStatus } from '../../protocol/recordings.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { RecordingsContext } from './recordings-context.ts';
import { RecordingErrors } from './recordings.errors.ts';
import { recordingsRepository, type RecordingRow } from './recordings.repository.ts';

/**
 * What a user sees of their own recordings (DESIGN 4.7): status, timing, size, when it will be
 * deleted, and a download URL once complete. Nobody else sees them (404 for other members, admins
 * and strangers alike); withdrawn and aborted recordings are gone for everyone.
 */

/** `GET /api/recordings/{id}`. @throws AppError not_found/RECORDING_NOT_FOUND. */
export async function getRecording(ctx: RecordingsContext, user: AuthUser, recordingId: string): Promise<Recording> {
  const row = await recordingsRepository.findById(ctx.db, recordingId);
  if (!row || row.userId !== user.id || row.status === 'withdrawn' || row.status === 'aborted') throw RecordingErrors.notFound();
  return toRecordingView(ctx, row);
}

/** `GET /api/sessions/{id}/recordings`: mine of a session I am a member of, oldest first. @throws AppError not_found/SESSION_NOT_FOUND. */
export async function sessionRecordings(ctx: RecordingsContext, user: AuthUser, sessionId: string): Promise<{ items: Recording[] }> {
  const target = await ctx.sessions.recordingTarget(ctx.db, sessionId, user.id, { lock: false });
  if (!target?.member) throw RecordingErrors.sessionNotFound();
  const rows = await recordingsRepository.listOfUserInSession(ctx.db, sessionId, user.id);
  return { items: await Promise.all(rows.map((r) => toRecordingView(ctx, r))) };
}

/** `GET /api/recordings`: mine, newest first, keyset-paginated. @throws AppError validation/INVALID_CURSOR. */
export async function myRecordings(ctx: RecordingsContext, user: AuthUser, query: { cursor?: string; limit?: number }): Promise<{ items: Recording[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  const before = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await recordingsRepository.listOfUser(ctx.db, user.id, { before: before ? { at: new Date(before.at), id: before.id } : undefined, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: await Promise.all(page.map((r) => toRecordingView(ctx, r))),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

/** A row as its owner sees it; complete ones carry a download URL valid `STORAGE_DOWNLOAD_URL_TTL` (signing needs no network). */
async function toRecordingView(ctx: RecordingsContext, row: RecordingRow): Promise<Recording> {
  const signed = row.status === 'complete' ? await ctx.storage.presignGet(row.objectKey, ctx.settings.downloadUrlTtlMs, 'browser') : null;
  return {
    id: row.id,
    sessionId: row.sessionId,
    status: row.status as RecordingStatus,
    contentType: row.contentType,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    startOffsetMs: row.startOffsetMs,
    durationMs: row.durationMs,
    sizeBytes: row.sizeBytes,
    expiresAt: row.endedAt ? new Date(row.endedAt.getTime() + ctx.settings.retentionMs).toISOString() : null,
    url: signed?.url ?? null,
    urlExpiresAt: signed?.expiresAt.toISOString() ?? null,
  };
}
