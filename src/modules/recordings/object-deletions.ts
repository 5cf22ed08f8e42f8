import { CLAIM_MS, type RecordingsContext } from './recordings-context.ts';
import { partsPrefix } from './media.ts';
import { recordingsRepository, type DeletionEntry, type RecordingRow } from './recordings.repository.ts';

/** Entries handled per run; the next run takes the rest. */
const BATCH = 100;

/**
 * The deletions of a recording's objects, to queue in the transaction that decides them: its file
 * and its chunks, now, and once more when every upload URL issued until `now` has expired (a chunk
 * still in flight cannot outlive them). Keys only: no personal data.
 */
export function deletionsOf(row: Pick<RecordingRow, 'objectKey'>, now: Date, uploadUrlTtlMs: number, what: 'file' | 'chunks' | 'both'): DeletionEntry[] {
  const finalAt = new Date(now.getTime() + uploadUrlTtlMs);
  const entries: DeletionEntry[] = [];
  if (what !== 'chunks') entries.push({ key: row.objectKey, isPrefix: false, dueAt: now, finalAt: now });
  if (what !== 'file') entries.push({ key: partsPrefix(row.objectKey), isPrefix: true, dueAt: now, finalAt });
  return entries;
}

/**
 * Carries out queued object deletions due at `now` (or only `ids`), each claimed so that two
 * instances do not repeat one; a failed one is due again when its claim runs out. Idempotent:
 * deleting a missing object is no error.
 * @returns how many entries were carried out.
 */
export async function runDeletions(ctx: RecordingsContext, now: Date, ids?: number[]): Promise<number> {
  if (ids && ids.length === 0) return 0;
  const claimed = await recordingsRepository.claimDeletions(ctx.db, now, new Date(now.getTime() + CLAIM_MS), BATCH, ids);
  let done = 0;
  for (const entry of claimed) {
    try {
      if (entry.isPrefix) await ctx.storage.deletePrefix(entry.key);
      else await ctx.storage.delete([entry.key]);
      await recordingsRepository.deletionDone(ctx.db, entry, now);
      done++;
    } catch (err) {
      ctx.logger.warn({ err, attempts: entry.attempts }, 'recordings: an object deletion failed; it is retried');
    }
  }
  return done;
}
