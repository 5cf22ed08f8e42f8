import { RECORDING_CONTENT_TYPES, type RecordingContentType } from '../../protocol/recordings.ts';

/**
 * Pure rules about a recording's media and its objects (DESIGN 4.7): accepted types, object keys
 * (random ids only, never personal data), chunk keys, the file signature of a first chunk and
 * the duration a recording may claim.
 */

/**
 * The base type of a `MediaRecorder.mimeType` if it is Opus in WebM or Ogg
 * (`audio/webm;codecs=opus` → `audio/webm`); null for anything else (video, other codecs).
 */
export function recordingContentType(text: string): RecordingContentType | null {
  const [base, ...params] = text.split(';').map((p) => p.trim().toLowerCase());
  if (!(RECORDING_CONTENT_TYPES as readonly string[]).includes(base)) return null;
  for (const param of params) {
    const [name, value] = param.split('=').map((p) => p?.trim().replace(/^"|"$/g, ''));
    if (name === 'codecs' && value !== 'opus') return null;
  }
  return base as RecordingContentType;
}

/** `webm` or `ogg`. */
export function extensionOf(contentType: RecordingContentType): 'webm' | 'ogg' {
  return contentType === 'audio/ogg' ? 'ogg' : 'webm';
}

/** The assembled file's key: `recordings/{sessionId}/{recordingId}.{webm|ogg}` (DESIGN 4.7). */
export function recordingKey(sessionId: string, recordingId: string, contentType: RecordingContentType): string {
  return `recordings/${sessionId}/${recordingId}.${extensionOf(contentType)}`;
}

/** Where a recording's chunks live: under `{recordingKey}.parts/`. */
export function partsPrefix(objectKey: string): string {
  return `${objectKey}.parts/`;
}

/** Chunk `n`'s key: `{recordingKey}.parts/00042` (zero-padded, so keys sort in recording order). */
export function partKey(objectKey: string, partNumber: number): string {
  return `${partsPrefix(objectKey)}${String(partNumber).padStart(5, '0')}`;
}

/** The chunk number of a key under `partsPrefix(objectKey)`, or null for any other key. */
export function partNumberOf(objectKey: string, key: string): number | null {
  const prefix = partsPrefix(objectKey);
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  return /^[0-9]{5}$/.test(rest) && Number(rest) >= 1 ? Number(rest) : null;
}

/** The first bytes of a WebM (EBML header) or an Ogg (`OggS`) file. */
const SIGNATURES: Record<RecordingContentType, number[]> = {
  'audio/webm': [0x1a, 0x45, 0xdf, 0xa3],
  'audio/ogg': [0x4f, 0x67, 0x67, 0x53],
};

/** Bytes of a first chunk needed by `startsLikeMedia`. */
export const SIGNATURE_BYTES = 4;

/** True when `head` (the first bytes of chunk 1) starts the way a `contentType` file does. */
export function startsLikeMedia(contentType: RecordingContentType, head: Uint8Array): boolean {
  const signature = SIGNATURES[contentType];
  return head.length >= signature.length && signature.every((b, i) => head[i] === b);
}

/**
 * The duration stored for a completed recording: what the client measured, but never more than
 * the time the recording was open on the server's clock plus `slackMs` (clock skew, the last
 * chunk's flush), so a client cannot claim hours for seconds of audio.
 */
export function boundedDurationMs(declaredMs: number, startedAt: Date, now: Date, slackMs: number): number {
  return Math.max(0, Math.min(Math.round(declaredMs), now.getTime() - startedAt.getTime() + slackMs));
}

/**
 * The duration of a recording completed without its client (tab closed, crash): up to the last
 * chunk URL it asked for, which it asks right after cutting a chunk, on the server's clock.
 */
export function estimatedDurationMs(startedAt: Date, lastActivityAt: Date): number {
  return Math.max(0, lastActivityAt.getTime() - startedAt.getTime());
}
