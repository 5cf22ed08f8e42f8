import type { RecordingContentType } from '../../protocol/recordings.ts';
import { SIGNATURE_BYTES, partNumberOf, partsPrefix, startsLikeMedia } from './media.ts';
import type { Assembly, StoredObject } from './object-storage.ts';
import { MAX_PART_BYTES, MAX_RECORDING_BYTES, type RecordingsContext } from './recordings-context.ts';
import { RecordingErrors } from './recordings.errors.ts';
import type { RecordingRow } from './recordings.repository.ts';

/** The chunks a client says it uploaded (`POST …/complete`); absent: every chunk that arrived. */
export type DeclaredParts = { partNumber: number; etag?: string }[] | undefined;

/** What assembling a recording came to. */
export type AssemblyOutcome = { kind: 'complete'; assembly: Assembly; partCount: number } | { kind: 'abandoned'; reason: string };

/**
 * Checks a recording's chunks and assembles them into its one file (DESIGN 4.7), reading the
 * storage only (no transaction is open: network calls never run inside one).
 *
 * A client's completion (`strict`) is refused with a 400 that stores nothing when a chunk it
 * lists is missing or differs (ETag), when one is over `MAX_PART_BYTES` (that chunk is discarded),
 * when the whole is over `MAX_RECORDING_BYTES`, when chunk 1 is missing or does not start a file
 * of the recording's type, or when nothing was uploaded. A recording completed without its client
 * (the sweep) keeps what it can: oversize chunks are discarded, and without a usable chunk 1 the
 * recording is abandoned.
 * @throws AppError validation (strict only); storage failures.
 */
export async function assemble(ctx: RecordingsContext, row: RecordingRow, declared: DeclaredParts, strict: boolean): Promise<AssemblyOutcome> {
  const { storage } = ctx;
  const arrived = new Map<number, StoredObject>();
  for (const object of await storage.list(partsPrefix(row.objectKey))) {
    const n = partNumberOf(row.objectKey, object.key);
    if (n !== null) arrived.set(n, object);
  }

  let chosen: StoredObject[];
  if (declared) {
    const seen = new Set<number>();
    for (const p of declared) {
      if (seen.has(p.partNumber)) throw RecordingErrors.duplicatePart(p.partNumber);
      seen.add(p.partNumber);
    }
    const missing = declared.filter((p) => !arrived.has(p.partNumber)).map((p) => p.partNumber);
    if (missing.length) throw RecordingErrors.partMissing(missing.sort((a, b) => a - b));
    for (const p of declared) {
      if (p.etag === undefined) continue;
      const stored = arrived.get(p.partNumber)!;
      const etag = stored.etag ?? (await storage.head(stored.key))?.etag ?? null;
      if (etag !== null && unquote(etag) !== unquote(p.etag)) throw RecordingErrors.partMismatch(p.partNumber);
    }
    chosen = [...seen].sort((a, b) => a - b).map((n) => arrived.get(n)!);
  } else {
    chosen = [...arrived.entries()].sort(([a], [b]) => a - b).map(([, object]) => object);
  }

  // Presigned PUTs cannot limit a size: an oversize chunk is found here, and never kept.
  const oversize = chosen.filter((o) => o.sizeBytes > MAX_PART_BYTES);
  if (oversize.length) {
    await storage.delete(oversize.map((o) => o.key));
    if (strict) throw RecordingErrors.partTooLarge(partNumberOf(row.objectKey, oversize[0]!.key), oversize[0]!.sizeBytes, MAX_PART_BYTES);
    chosen = chosen.filter((o) => o.sizeBytes <= MAX_PART_BYTES);
  }
  if (chosen.length === 0) {
    if (strict) throw RecordingErrors.noParts();
    return { kind: 'abandoned', reason: 'no chunk arrived' };
  }
  const first = chosen[0]!;
  if (partNumberOf(row.objectKey, first.key) !== 1) {
    if (strict) throw RecordingErrors.partMissing([1]);
    return { kind: 'abandoned', reason: 'chunk 1 (the file header) never arrived' };
  }
  const contentType = row.contentType as RecordingContentType;
  if (!startsLikeMedia(contentType, await storage.readStart(first.key, SIGNATURE_BYTES))) {
    if (strict) throw RecordingErrors.notAudio(contentType);
    return { kind: 'abandoned', reason: `chunk 1 is not ${contentType}` };
  }
  const total = chosen.reduce((sum, o) => sum + o.sizeBytes, 0);
  if (total > MAX_RECORDING_BYTES) {
    if (strict) throw RecordingErrors.tooLarge(MAX_RECORDING_BYTES);
    return { kind: 'abandoned', reason: 'over the largest recording size' };
  }
  const assembly = await storage.concatenate(row.objectKey, chosen, contentType);
  return { kind: 'complete', assembly, partCount: chosen.length };
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}
