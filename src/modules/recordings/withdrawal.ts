import type { Executor } from '../../db/client.ts';
import type { AfterCommit, ConsentChange } from '../sessions/sessions.service.ts';
import { deletionsOf, runDeletions } from './object-deletions.ts';
import type { RecordingsContext } from './recordings-context.ts';
import { recordingsRepository } from './recordings.repository.ts';

/**
 * Seed 000 §5.4, DESIGN 4.7: consent withdrawn during the call. Inside the consent change's own
 * transaction (a hook of the sessions module, so the two commit together or not at all): every
 * recording of the user in this session becomes `withdrawn`, its file and chunks are queued for
 * deletion, and the user is no longer shown as recorded. The deletions run after the commit; the
 * sweep finishes them if this instance dies first, and deletes the chunks once more when every
 * upload URL issued before has expired. The client stops its capture at once; giving consent again
 * starts a new recording.
 */
export async function onConsentChange(ctx: RecordingsContext, tx: Executor, after: AfterCommit, change: ConsentChange): Promise<void> {
  if (change.consent) return;
  const { sessionId, userId, now } = change;
  const mine = await recordingsRepository.lockOfUserInSession(tx, sessionId, userId);
  const withdrawn = mine.filter((r) => r.status !== 'withdrawn' && r.status !== 'aborted');
  const ids: number[] = [];
  for (const r of withdrawn) {
    await recordingsRepository.update(tx, r.id, { status: 'withdrawn', endedAt: r.endedAt ?? now, claimedUntil: null, updatedAt: now });
    ids.push(...(await recordingsRepository.enqueueDeletions(tx, deletionsOf(r, now, ctx.settings.uploadUrlTtlMs, 'both'), now)));
  }
  await ctx.sessions.markRecording(tx, after, sessionId, userId, false);
  if (ids.length) {
    after.tasks.push(() => ctx.background.run('delete withdrawn recordings', () => runDeletions(ctx, now, ids)));
    ctx.logger.info({ sessionId, recordings: withdrawn.length }, 'recordings: consent withdrawn, recordings deleted');
  }
}
