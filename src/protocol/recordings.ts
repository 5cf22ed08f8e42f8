/**
 * Recordings (seed 000 §2.4 and §5.4, seed 001 `recordings`, DESIGN 4.7): each consenting
 * participant's own microphone, uploaded by the browser in small chunks through signed URLs and
 * assembled by the service into one Opus file per continuous stretch.
 */

import { Type, type Static } from 'typebox';
import { CursorParam, DateTime, LimitParam, NullableDateTime, PageOf } from './common.ts';

/** Chunk numbers run from 1 to this (one every few seconds: 10,000 cover far more than a session). */
export const MAX_PART_NUMBER = 10_000;

/**
 * The media types a recording may have: Opus in WebM, or in Ogg where WebM is unsupported
 * (DESIGN 4.7). A `codecs` parameter, when given, must name Opus.
 */
export const RECORDING_CONTENT_TYPES = ['audio/webm', 'audio/ogg'] as const;
export type RecordingContentType = (typeof RECORDING_CONTENT_TYPES)[number];

/** `POST /api/sessions/{id}/recordings` body: what the browser's `MediaRecorder` produces. */
export const StartRecordingBody = Type.Object(
  {
    contentType: Type.String({
      minLength: 1,
      maxLength: 100,
      description: '`audio/webm` or `audio/ogg`, optionally with `;codecs=opus` (MediaRecorder.mimeType)',
    }),
  },
  { additionalProperties: false },
);
export type StartRecordingBody = Static<typeof StartRecordingBody>;

/** `POST /api/sessions/{id}/recordings` answer (201): how to upload. */
export const StartedRecording = Type.Object({
  id: Type.String(),
  /** The base type every chunk is uploaded with (`Content-Type` of the PUT). */
  contentType: Type.Union([Type.Literal('audio/webm'), Type.Literal('audio/ogg')]),
  /** Largest accepted chunk, in bytes. */
  partSize: Type.Integer(),
  /** How often the client should cut a chunk (`MediaRecorder.start(timeslice)`), ms. */
  partIntervalMs: Type.Integer(),
  /** Highest chunk number. */
  maxPartNumber: Type.Integer(),
  /** From the session's `startedAt`, ms. */
  startOffsetMs: Type.Integer(),
  /** No chunk is accepted after this (the session's end plus the upload grace); null when unknown. */
  expiresAt: NullableDateTime,
});
export type StartedRecording = Static<typeof StartedRecording>;

/** `POST /api/recordings/{id}/parts` body. */
export const PartUrlBody = Type.Object(
  { partNumber: Type.Integer({ minimum: 1, maximum: MAX_PART_NUMBER, description: 'Chunk number, from 1, in recording order' }) },
  { additionalProperties: false },
);
export type PartUrlBody = Static<typeof PartUrlBody>;

/** A signed upload URL for one chunk: `PUT` the bytes there with `headers`. */
export const PartUrl = Type.Object({
  partNumber: Type.Integer(),
  /** Absolute, or (embedded store without `PUBLIC_URL`) a path on the API's origin. */
  url: Type.String(),
  method: Type.Literal('PUT'),
  /** Headers the upload must carry exactly (the content type is signed). */
  headers: Type.Record(Type.String(), Type.String()),
  expiresAt: DateTime,
});
export type PartUrl = Static<typeof PartUrl>;

/** `POST /api/recordings/{id}/complete` body. */
export const CompleteRecordingBody = Type.Object(
  {
    /**
     * The chunks uploaded, each once; omitted: every chunk that arrived. `etag`, when the client
     * could read the upload's `ETag`, must match the stored chunk.
     */
    parts: Type.Optional(
      Type.Array(
        Type.Object(
          { partNumber: Type.Integer({ minimum: 1, maximum: MAX_PART_NUMBER }), etag: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        { maxItems: MAX_PART_NUMBER },
      ),
    ),
    /** Length of the audio captured, ms (bounded by the time the recording was open). */
    durationMs: Type.Integer({ minimum: 0, maximum: 24 * 3600_000 }),
  },
  { additionalProperties: false },
);
export type CompleteRecordingBody = Static<typeof CompleteRecordingBody>;

/**
 * `recording` (uploading), `completing` (being assembled), `complete` (one file, downloadable),
 * `abandoned` (interrupted before any usable chunk arrived).
 */
export const RecordingStatus = Type.Union([Type.Literal('recording'), Type.Literal('completing'), Type.Literal('complete'), Type.Literal('abandoned')]);
export type RecordingStatus = Static<typeof RecordingStatus>;

/** One of my recordings, with a download URL once complete. Times are ISO 8601 UTC. */
export const Recording = Type.Object(
  {
    id: Type.String(),
    sessionId: Type.String(),
    status: RecordingStatus,
    contentType: Type.String(),
    startedAt: DateTime,
    endedAt: NullableDateTime,
    /** From the session's `startedAt`, ms (to line several participants' files up). */
    startOffsetMs: Type.Integer(),
    durationMs: Type.Union([Type.Integer(), Type.Null()]),
    sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
    /** When it will be deleted (`RULES_RECORDING_RETENTION` after its end); null while recording. */
    expiresAt: NullableDateTime,
    /** Download URL (complete only); absolute, or a path on the API's origin (embedded store without `PUBLIC_URL`). */
    url: Type.Union([Type.String(), Type.Null()]),
    urlExpiresAt: NullableDateTime,
  },
  { description: 'A recording of my own voice' },
);
export type Recording = Static<typeof Recording>;

/** `GET /api/sessions/{id}/recordings` answer: my recordings of that session, oldest first. */
export const SessionRecordings = Type.Object({ items: Type.Array(Recording) });
export type SessionRecordings = Static<typeof SessionRecordings>;

/** `GET /api/recordings` query. */
export const RecordingsQuery = Type.Object({ cursor: CursorParam, limit: LimitParam }, { additionalProperties: false });
export type RecordingsQuery = Static<typeof RecordingsQuery>;

/** `GET /api/recordings` answer: my recordings, newest first. */
export const RecordingPage = PageOf(Recording);
export type RecordingPage = Static<typeof RecordingPage>;

/** `/api/admin/users/{userId}/recordings` path. */
export const UserIdParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128 }) });
export type UserIdParams = Static<typeof UserIdParams>;
