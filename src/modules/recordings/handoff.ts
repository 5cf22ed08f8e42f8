import type { Executor } from '../../db/client.ts';
import type { RecordingsContext } from './recordings-context.ts';
import { sessionRecorded, type RecordedFile } from './recordings.events.ts';
import { OPEN_STATUSES, recordingsRepository, type RecordingRow } from './recordings.repository.ts';

/** What a hand-off decision came to. */
export type HandoffOutcome = 'sent' | 'nothing-to-send' | 'already-decided' | 'not-yet';

/**
 * Seed 000 §5.4 steps 3-4, DESIGN 4.7: once a session has ended and every recording of it is
 * complete or abandoned, `session.recorded` goes to the outbox, exactly once, naming each complete
 * file with a download URL valid `RECORDING_HANDOFF_URL_TTL`; a session none of whose recordings
 * completed gets a decision and no event. Runs in the caller's transaction `tx`: first the
 * per-session lock (completions racing on several instances wait for each other, then see each
 * other's commits), then the decision row, inserted before the event and only once (unique key).
 */
export async function decideHandoff(ctx: RecordingsContext, tx: Executor, sessionId: string, now: Date): Promise<HandoffOutcome> {
  await recordingsRepository.lockHandoff(tx, sessionId);
  if (await recordingsRepository.findHandoff(tx, sessionId)) return 'already-decided';
  const [session] = await ctx.sessions.recordedSessions([sessionId], tx);
  if (!session || session.status !== 'ended') return 'not-yet';
  const all = await recordingsRepository.listOfSession(tx, sessionId);
  if (all.some((r) => (OPEN_STATUSES as readonly string[]).includes(r.status))) return 'not-yet';
  const complete = all.filter((r) => r.status === 'complete');
  const decided = await recordingsRepository.insertHandoff(tx, { sessionId, decidedAt: now, eventId: null, recordingCount: complete.length });
  if (!decided) return 'already-decided';
  if (complete.length === 0) return 'nothing-to-send';
  const files = await Promise.all(complete.map((r) => fileOf(ctx, r)));
  const event = await ctx.outbox.record(tx, sessionRecorded(session, files, now));
  await recordingsRepository.setHandoffEvent(tx, sessionId, event.id);
  return 'sent';
}

/** Runs `decideHandoff` in a transaction of its own (after a session ended; the sweep). */
export function decideHandoffNow(ctx: RecordingsContext, sessionId: string, now: Date): Promise<HandoffOutcome> {
  return ctx.db.transaction((tx) => decideHandoff(ctx, tx, sessionId, now));
}

/** A complete recording as `session.recorded` names it (signing a URL needs no network). */
async function fileOf(ctx: RecordingsContext, r: RecordingRow): Promise<RecordedFile> {
  const signed = await ctx.storage.presignGet(r.objectKey, ctx.settings.handoffUrlTtlMs, 'service');
  return {
    recordingId: r.id,
    userId: r.userId,
    contentType: r.contentType,
    durationMs: r.durationMs ?? 0,
    sizeBytes: r.sizeBytes ?? 0,
    startOffsetMs: r.startOffsetMs,
    key: r.objectKey,
    url: signed.url,
    urlExpiresAt: signed.expiresAt.toISOString(),
  };
}
