import { settleInterrupted, settleSession } from './complete-recording.ts';
import { decideHandoffNow } from './handoff.ts';
import { partsPrefix } from './media.ts';
import { runDeletions } from './object-deletions.ts';
import { CLAIM_MS, type RecordingsContext } from './recordings-context.ts';
import { recordingsRepository } from './recordings.repository.ts';

/** Sessions looked at per run for a hand-off; recordings deleted per run by retention. */
const BATCH = 100;

/** What one sweep did, in counts (never ids: logs carry no personal data). */
export interface SweepCounts {
  settled: number;
  handedOff: number;
  deletions: number;
  expired: number;
  abortedUploads: number;
}

/**
 * The recordings sweep (shared job runner, every `JOBS_INTERVAL`; a function of `now`, safe on
 * several instances: every step claims its rows with `SKIP LOCKED` or a claim that runs out):
 * 1. interrupted recordings are completed from their chunks, or abandoned (`complete-recording.ts`);
 * 2. ended sessions get their hand-off (`handoff.ts`); past the upload grace, their open recordings
 *    are settled first;
 * 3. queued object deletions are carried out (`object-deletions.ts`);
 * 4. retention (seed 000 §2.4): recordings ended more than `RULES_RECORDING_RETENTION` ago lose
 *    their objects, then their rows;
 * 5. uploads left unfinished for the upload grace (S3 multipart uploads of a crashed assembly,
 *    half-written embedded files) are aborted, at most every half grace.
 */
export class RecordingsSweep {
  private lastAbortAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly ctx: RecordingsContext) {}

  async run(now: Date): Promise<SweepCounts> {
    const { ctx } = this;
    const counts: SweepCounts = { settled: 0, handedOff: 0, deletions: 0, expired: 0, abortedUploads: 0 };
    counts.settled = await settleInterrupted(ctx, now);
    counts.handedOff = await this.handOff(now);
    counts.deletions = await runDeletions(ctx, now);
    counts.expired = await this.expire(now);
    counts.abortedUploads = await this.abortStaleUploads(now);
    if (counts.settled || counts.handedOff || counts.expired || counts.abortedUploads) ctx.logger.info({ ...counts }, 'recordings: sweep');
    return counts;
  }

  private async handOff(now: Date): Promise<number> {
    const { ctx } = this;
    const ids = await recordingsRepository.sessionsAwaitingHandoff(ctx.db, BATCH);
    const sessions = (await ctx.sessions.recordedSessions(ids)).filter((s) => s.status === 'ended');
    let sent = 0;
    for (const session of sessions) {
      try {
        const graceOver = session.endedAt !== null && now.getTime() >= session.endedAt.getTime() + ctx.settings.uploadGraceMs;
        if (graceOver) await settleSession(ctx, session.id, now);
        if ((await decideHandoffNow(ctx, session.id, now)) === 'sent') sent++;
      } catch (err) {
        ctx.logger.error({ err, sessionId: session.id }, 'recordings: hand-off failed; retried next sweep');
      }
    }
    return sent;
  }

  /** Object first, then row: a row is only gone once its file and chunks are. */
  private async expire(now: Date): Promise<number> {
    const { ctx } = this;
    const endedBefore = new Date(now.getTime() - ctx.settings.retentionMs);
    const claimed = await recordingsRepository.claimExpired(ctx.db, endedBefore, now, new Date(now.getTime() + CLAIM_MS), BATCH);
    const objectsGone: string[] = [];
    for (const row of claimed) {
      try {
        await ctx.storage.delete([row.objectKey]);
        await ctx.storage.deletePrefix(partsPrefix(row.objectKey));
        objectsGone.push(row.id);
      } catch (err) {
        ctx.logger.warn({ err }, 'recordings: retention could not delete an object; retried when its claim runs out');
      }
    }
    const deleted = await recordingsRepository.deleteExpired(ctx.db, objectsGone, endedBefore);
    if (deleted) ctx.logger.info({ deleted }, 'recordings: retention deleted expired recordings');
    return deleted;
  }

  private async abortStaleUploads(now: Date): Promise<number> {
    const grace = this.ctx.settings.uploadGraceMs;
    if (now.getTime() - this.lastAbortAtMs < grace / 2) return 0;
    this.lastAbortAtMs = now.getTime();
    return this.ctx.storage.abortStaleUploads('recordings/', new Date(now.getTime() - grace));
  }
}
