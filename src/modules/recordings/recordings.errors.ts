import { AppError } from '../../shared/errors.ts';

/**
 * Every error the recordings module raises, by stable code (DESIGN 4.2, 4.7). Another person's
 * recording is always `RECORDING_NOT_FOUND`, for other members, admins and strangers alike: its
 * existence is not revealed. Bad uploads are `validation` errors (400) and store nothing.
 */
export const RecordingErrors = {
  /** Unknown, or not the caller's. */
  notFound: () => new AppError('not_found', 'RECORDING_NOT_FOUND', 'No such recording'),
  /** Unknown session, or one the caller is not a member of (the sessions module's code). */
  sessionNotFound: () => new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session'),
  consentRequired: () =>
    new AppError('forbidden', 'CONSENT_REQUIRED', 'Your audio is recorded only with your consent: give it first (POST /api/sessions/{id}/consent)'),
  leftSession: () => new AppError('forbidden', 'LEFT_SESSION', 'You left this session'),
  sessionNotActive: () => new AppError('conflict', 'SESSION_NOT_ACTIVE', 'Recording happens while the session is active, never before its start or after its end'),
  tooMany: (limit: number) => new AppError('limit_reached', 'TOO_MANY_RECORDINGS', `At most ${limit} recordings per person and session`, { limit }),
  unsupportedType: (given: string) =>
    new AppError('validation', 'UNSUPPORTED_CONTENT_TYPE', `Recordings are Opus audio in WebM (audio/webm) or Ogg (audio/ogg), not ${JSON.stringify(given.slice(0, 100))}`),
  /** Completed, aborted, abandoned or withdrawn: it takes no more chunks. */
  notOpen: (status: string) => new AppError('conflict', 'RECORDING_NOT_OPEN', `This recording is ${status} and takes no more uploads`, { status }),
  /** DESIGN 4.7: uploads end with the session plus `RULES_RECORDING_UPLOAD_GRACE`; `closedAt` ISO 8601 UTC. */
  uploadWindowClosed: (closedAt: string) => new AppError('validation', 'UPLOAD_WINDOW_CLOSED', `Uploads for this session closed at ${closedAt}`, { closedAt }),
  completing: () => new AppError('conflict', 'RECORDING_COMPLETING', 'This recording is being assembled; ask again in a moment'),
  noParts: () => new AppError('validation', 'NO_PARTS', 'No chunk of this recording was uploaded; abort it instead'),
  partMissing: (partNumbers: number[]) =>
    new AppError('validation', 'PART_MISSING', `Chunk(s) ${partNumbers.slice(0, 20).join(', ')} were not uploaded`, { partNumbers: partNumbers.slice(0, 100) }),
  duplicatePart: (partNumber: number) => new AppError('validation', 'DUPLICATE_PART', `Chunk ${partNumber} is listed twice`, { partNumber }),
  partMismatch: (partNumber: number) => new AppError('validation', 'PART_MISMATCH', `Chunk ${partNumber} is not the one uploaded (ETag differs)`, { partNumber }),
  partTooLarge: (partNumber: number | null, sizeBytes: number, maxBytes: number) =>
    new AppError('validation', 'PART_TOO_LARGE', `A chunk may be at most ${maxBytes} bytes${partNumber === null ? '' : `; chunk ${partNumber} was ${sizeBytes}`} (it was discarded)`, {
      partNumber,
      sizeBytes,
      maxBytes,
    }),
  tooLarge: (maxBytes: number) => new AppError('validation', 'RECORDING_TOO_LARGE', `A recording may be at most ${maxBytes} bytes`, { maxBytes }),
  notAudio: (contentType: string) => new AppError('validation', 'NOT_AUDIO', `The first chunk is not the start of an ${contentType} file`),
  /** The embedded store's signed URLs (403, as S3 answers). */
  signatureMismatch: () => new AppError('forbidden', 'SIGNATURE_MISMATCH', 'The URL\'s signature does not match this request'),
  urlExpired: () => new AppError('forbidden', 'URL_EXPIRED', 'This URL has expired'),
  wrongContentType: (expected: string) => new AppError('validation', 'WRONG_CONTENT_TYPE', `This upload must be sent with Content-Type: ${expected}`, { expected }),
  objectNotFound: () => new AppError('not_found', 'OBJECT_NOT_FOUND', 'No such object'),
} as const;
