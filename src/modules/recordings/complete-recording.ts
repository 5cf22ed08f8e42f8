import type { Executor } from '../../db/client.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import type { AfterCommit } from '../sessions/sessions.service.ts';
import { assemble, type AssemblyOutcome, type DeclaredParts } from './assembly.ts';
import { decideHandoff } from './handoff.ts';
import { boundedDurationMs, estimatedDurationMs } from './media.ts';
import { deletionsOf, runDeletions } from './object-deletions.ts';
import { CLAIM_MS, DURATION_SLACK_MS, type RecordingsContext } from './recordings-context.ts';
import { RecordingErrors } from './recordings.errors.ts';
import { OPEN_STATUSES, recordingsRepository, type RecordingRow } from './recordings.repository.ts';

/** Recordings settled per sweep run (each is an assembly: network calls); the next run takes the rest. */
const SETTLE_BATCH = 20;

/**
 * `POST /api/recordings/{id}/complete` (DESIGN 4.7): the owner's client says it is done. The
 * recording is claimed (one assembly at a time, on any instance), its chunks checked and assembled
 * outside any transaction (`assembly.ts`), then it becomes `complete` in one transaction with the
 * hand-off decision of its session, and its chunks are deleted. Completing a complete recording
 * again answers it as it is.
 * @throws AppError not_found/RECORDING_NOT_FOUND (not the caller's), conflict/RECORDING_COMPLETING,
 *   conflict/RECORDING_NOT_OPEN, validation (bad chunks: `assemble`; the recording stays open).
 */
export async function completeRecording(
  ctx: RecordingsContext,
  user: AuthUser,
  recordingId: string,
  body: { parts?: DeclaredParts; durationMs: number },
  now: Date,
): Promise<RecordingRow> {
  const claimed = await ctx.db.transaction(async (tx) => {
    const row = await recordingsRepository.lockById(tx, recordingId);
    if (!row || row.userId !== user.id) throw RecordingErrors.notFound();
    if (row.status === 'complete') return { done: row, claimed: null };
    if (row.status === 'completing' && row.claimedUntil && row.claimedUntil.getTime() > now.getTime()) throw RecordingErrors.completing();
    if (!(OPEN_STATUSES as readonly string[]).includes(row.status)) throw RecordingErrors.notOpen(row.status);
    const patch = { status: 'completing', claimedUntil: new Date(now.getTime() + CLAIM_MS), updatedAt: now };
    await recordingsRepository.update(tx, row.id, patch);
    return { done: null, claimed: { ...row, ...patch } };
  });
  if (claimed.done) return claimed.done;
  const row = claimed.claimed;
  let outcome: AssemblyOutcome;
  try {
    outcome = await assemble(ctx, row, body.parts, true);
  } catch (err) {
    // Refused or failed: nothing was stored, and the client may fix its chunks or abort.
    await recordingsRepository.update(ctx.db, row.id, { status: 'recording', claimedUntil: null, updatedAt: now });
    throw err;
  }
  const durationMs = boundedDurationMs(body.durationMs, row.startedAt, now, DURATION_SLACK_MS);
  const { row: done, deletions } = await finalize(ctx, row, outcome, { durationMs, endedAt: now }, now);
  await runDeletions(ctx, now, deletions).catch((err: unknown) => ctx.logger.warn({ err }, 'recordings: deleting assembled chunks failed; the sweep retries'));
  return done;
}

/**
 * The sweep's part (seed 000 §7.2 "uploaded asynchronously"): recordings whose client is gone (a
 * closed tab, a crash, a new recording started in its place) and whose upload grace is over are
 * completed from the chunks that arrived, or abandoned when none is usable; so are those whose
 * assembly was claimed by an instance that died. @returns how many were settled.
 */
export async function settleInterrupted(ctx: RecordingsContext, now: Date): Promise<number> {
  const quietBefore = new Date(now.getTime() - ctx.settings.uploadGraceMs);
  const claimed = await recordingsRepository.claimToSettle(ctx.db, now, quietBefore, new Date(now.getTime() + CLAIM_MS), SETTLE_BATCH);
  return settleClaimed(ctx, claimed, now);
}

/** Settles the open recordings of a session whose upload grace is over (the hand-off waits for them). */
export async function settleSession(ctx: RecordingsContext, sessionId: string, now: Date): Promise<number> {
  const claimed = await recordingsRepository.claimOpenOfSession(ctx.db, sessionId, now, new Date(now.getTime() + CLAIM_MS));
  return settleClaimed(ctx, claimed, now);
}

async function settleClaimed(ctx: RecordingsContext, claimed: RecordingRow[], now: Date): Promise<number> {
  let settled = 0;
  for (const row of claimed) {
    try {
      const outcome = await assemble(ctx, row, undefined, false);
      // Without its client the duration is what the server saw: up to its last chunk URL.
      const endedAt = row.lastActivityAt;
      const { deletions } = await finalize(ctx, row, outcome, { durationMs: estimatedDurationMs(row.startedAt, row.lastActivityAt), endedAt }, now);
      await runDeletions(ctx, now, deletions);
      settled++;
    } catch (err) {
      // Left `completing`: the claim runs out and a later sweep tries again.
      ctx.logger.error({ err, recordingId: row.id }, 'recordings: completing an interrupted recording failed');
    }
  }
  return settled;
}

/**
 * Ends a claimed recording as the assembly decided, in one transaction with its session's
 * hand-off decision; its chunks are queued for deletion (`deletions`: run them after the commit).
 * A recording withdrawn or erased while it was assembled stays so, and the file just written is
 * queued for deletion too.
 */
async function finalize(
  ctx: RecordingsContext,
  claimed: RecordingRow,
  outcome: AssemblyOutcome,
  capture: { durationMs: number; endedAt: Date },
  now: Date,
): Promise<{ row: RecordingRow; deletions: number[] }> {
  const ttl = ctx.settings.uploadUrlTtlMs;
  return ctx.sessions.transact(async (tx, after) => {
    await recordingsRepository.lockHandoff(tx, claimed.sessionId);
    await lockSession(ctx, tx, claimed);
    const current = await recordingsRepository.lockById(tx, claimed.id);
    if (!current || current.status !== 'completing') {
      const deletions = await recordingsRepository.enqueueDeletions(tx, deletionsOf(claimed, now, ttl, 'both'), now);
      if (!current) throw RecordingErrors.notFound();
      return { row: current, deletions };
    }
    const patch: Partial<RecordingRow> =
      outcome.kind === 'complete'
        ? { status: 'complete', sizeBytes: outcome.assembly.sizeBytes, partCount: outcome.partCount, durationMs: capture.durationMs, endedAt: capture.endedAt }
        : { status: 'abandoned', endedAt: capture.endedAt };
    await recordingsRepository.update(tx, current.id, { ...patch, claimedUntil: null, updatedAt: now });
    if (outcome.kind === 'abandoned') ctx.logger.info({ recordingId: current.id, reason: outcome.reason }, 'recordings: recording abandoned');
    const deletions = await recordingsRepository.enqueueDeletions(tx, deletionsOf(current, now, ttl, outcome.kind === 'complete' ? 'chunks' : 'both'), now);
    await closeCapture(ctx, tx, after, current);
    await decideHandoff(ctx, tx, current.sessionId, now);
    return { row: { ...current, ...patch, claimedUntil: null, updatedAt: now }, deletions };
  });
}

/**
 * `POST /api/recordings/{id}/abort`: the owner gives a recording up; its chunks are deleted. An
 * aborted recording answers again as it is.
 * @throws AppError not_found/RECORDING_NOT_FOUND, conflict/RECORDING_COMPLETING, conflict/RECORDING_NOT_OPEN.
 */
export async function abortRecording(ctx: RecordingsContext, user: AuthUser, recordingId: string, now: Date): Promise<RecordingRow> {
  const { row, deletions } = await ctx.sessions.transact(async (tx, after) => {
    const found = await recordingsRepository.findById(tx, recordingId);
    if (!found || found.userId !== user.id || found.status === 'withdrawn') throw RecordingErrors.notFound();
    await recordingsRepository.lockHandoff(tx, found.sessionId);
    await lockSession(ctx, tx, found);
    const current = (await recordingsRepository.lockById(tx, recordingId))!;
    if (current.status === 'aborted') return { row: current, deletions: [] };
    if (current.status === 'completing' && current.claimedUntil && current.claimedUntil.getTime() > now.getTime()) throw RecordingErrors.completing();
    if (!(OPEN_STATUSES as readonly string[]).includes(current.status)) throw RecordingErrors.notOpen(current.status);
    const patch = { status: 'aborted', endedAt: now, claimedUntil: null, updatedAt: now };
    await recordingsRepository.update(tx, current.id, patch);
    const queued = await recordingsRepository.enqueueDeletions(tx, deletionsOf(current, now, ctx.settings.uploadUrlTtlMs, 'both'), now);
    await closeCapture(ctx, tx, after, current);
    await decideHandoff(ctx, tx, current.sessionId, now);
    return { row: { ...current, ...patch }, deletions: queued };
  });
  await runDeletions(ctx, now, deletions).catch((err: unknown) => ctx.logger.warn({ err }, 'recordings: deleting aborted chunks failed; the sweep retries'));
  return row;
}

/** The capture of `row` is over: its owner is no longer shown as recorded, unless another recording of theirs is still open. */
export async function closeCapture(ctx: RecordingsContext, tx: Executor, after: AfterCommit, row: Pick<RecordingRow, 'id' | 'sessionId' | 'userId'>): Promise<void> {
  const others = await recordingsRepository.lockOfUserInSession(tx, row.sessionId, row.userId);
  if (others.some((r) => r.id !== row.id && r.status === 'recording' && r.interruptedAt === null)) return;
  await ctx.sessions.markRecording(tx, after, row.sessionId, row.userId, false);
}

/**
 * Locks the recording's session row. Every transaction that changes recordings of a session
 * takes it before the recordings' rows and the participant's (so does a consent change, through
 * the sessions module): the same order everywhere, no deadlock.
 */
export async function lockSession(ctx: RecordingsContext, tx: Executor, row: Pick<RecordingRow, 'sessionId' | 'userId'>): Promise<void> {
  await ctx.sessions.recordingTarget(tx, row.sessionId, row.userId, { lock: true });
}
