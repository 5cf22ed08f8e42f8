/**
 * Records the participant's own microphone track (never video, never anyone else's audio) with
 * `MediaRecorder`, Opus in WebM (Ogg where WebM is not supported), and uploads it as it goes: a
 * chunk every few seconds (`partIntervalMs` from the server) through signed URLs, so a closed
 * tab, a crash or a dropped network loses seconds, not the session (DESIGN 4.7). Framework-free;
 * the call controller starts it while the session is active and the user consents.
 */
import { ApiError, api } from '../api.ts';
import { browserClock, type Clock } from '../clock.ts';
import { errorMessage } from '../i18n/errors.ts';
import { msg, type Message } from '../i18n/message.ts';
import { ChunkUploader, UploadRefused, type UploadStatus } from './chunk-uploader.ts';

/** The types tried, in order (DESIGN 4.7: Opus in WebM, Ogg where WebM is unsupported). */
const MIME_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus'];
/** Opus at this rate is clear speech at about 15 MB an hour. */
const AUDIO_BITS_PER_SECOND = 32_000;
/** API refusals after which uploading more is pointless (recording closed, gone, window over, bad chunk). */
const FATAL_STATUSES = new Set([400, 401, 403, 404, 409]);

/**
 * `starting` (asking the server), `recording`, `finishing` (last chunks and assembly), `done`,
 * `withdrawn` (stopped and deleted at the user's request), `failed`.
 */
export type RecorderStatus = 'starting' | 'recording' | 'finishing' | 'done' | 'withdrawn' | 'failed';

/** What the call screen shows of the recording. */
export interface RecorderState {
  status: RecorderStatus;
  recordingId: string | null;
  /** When the capture started, browser clock (ms since the epoch), for a live counter. */
  startedAtMs: number | null;
  /** Audio captured so far, ms (final once stopped). */
  recordedMs: number;
  partsRecorded: number;
  upload: UploadStatus | null;
  /** Why it failed, a message to translate. */
  error: Message | null;
}

/** The first supported type of `MIME_TYPES`, or null when this browser cannot record Opus. */
export function recordingMimeType(): string | null {
  if (typeof MediaRecorder === 'undefined') return null;
  return MIME_TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? null;
}

/** One recording of one continuous stretch (a new stretch, after consent is given again, is a new recorder). */
export class VoiceRecorder {
  private recorder: MediaRecorder | null = null;
  private uploader: ChunkUploader | null = null;
  private current: RecorderState = { status: 'starting', recordingId: null, startedAtMs: null, recordedMs: 0, partsRecorded: 0, upload: null, error: null };
  private starting: Promise<void> | null = null;
  private finishing: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private maxPartNumber = Number.POSITIVE_INFINITY;

  constructor(
    private readonly opts: {
      sessionId: string;
      /** Our own microphone track (muting it records silence). */
      track: MediaStreamTrack;
      onChange(): void;
      clock?: Clock;
    },
  ) {}

  get state(): RecorderState {
    return this.current;
  }

  /** True while the microphone is being captured (or about to be). */
  get capturing(): boolean {
    return this.current.status === 'starting' || this.current.status === 'recording';
  }

  /** Asks the server for a recording and starts capturing. Never throws: a refusal shows as `failed`. */
  start(): Promise<void> {
    this.starting ??= this.begin();
    return this.starting;
  }

  /**
   * Stops capturing now (the session ended, we leave), then uploads what is left and completes
   * the recording. Idempotent; never throws.
   */
  finish(): Promise<void> {
    this.finishing ??= (async () => {
      await this.starting;
      if (this.current.status !== 'recording') return;
      await this.stopCapture();
      this.set({ status: 'finishing' });
      await this.uploader!.drained();
      await this.complete();
    })();
    return this.finishing;
  }

  /** Stops capturing at once and drops what was not uploaded (the server deletes the rest: consent withdrawn). */
  withdraw(): void {
    this.uploader?.stop();
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.set({ status: 'withdrawn' });
  }

  private async begin(): Promise<void> {
    const mimeType = recordingMimeType();
    if (!mimeType) return this.fail(msg('recording.noOpus'));
    let started;
    try {
      started = await api.startRecording(this.opts.sessionId, mimeType);
    } catch (err) {
      return this.fail(describe(err));
    }
    if (this.current.status === 'withdrawn') return; // withdrawn while asking
    this.maxPartNumber = started.maxPartNumber;
    const recordingId = started.id;
    this.uploader = new ChunkUploader({
      target: (partNumber) => api.recordingPartUrl(recordingId, partNumber),
      put: async (target, blob) => {
        const res = await fetch(target.url, { method: 'PUT', headers: target.headers, body: blob });
        if (!res.ok) throw new UploadRefused(res.status);
        return res.headers.get('etag');
      },
      // A refused PUT (an expired URL: 403) gets a fresh URL; the API's own refusals end the upload.
      isFatal: (err) => err instanceof ApiError && FATAL_STATUSES.has(err.status),
      onChange: () => this.set({ upload: this.uploader!.status() }),
    });
    const stream = new MediaStream([this.opts.track]);
    const recorder = new MediaRecorder(stream, { mimeType, audioBitsPerSecond: AUDIO_BITS_PER_SECOND });
    this.recorder = recorder;
    let partNumber = 0;
    recorder.ondataavailable = (event) => {
      if (this.current.status === 'withdrawn' || event.data.size === 0) return;
      partNumber++;
      this.uploader!.add(partNumber, event.data);
      this.set({ partsRecorded: partNumber, recordedMs: this.elapsed() });
      if (partNumber >= this.maxPartNumber) void this.finish();
    };
    this.stopped = new Promise((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true }));
    recorder.start(started.partIntervalMs);
    this.set({ status: 'recording', recordingId, startedAtMs: this.now(), upload: this.uploader.status() });
  }

  /** Stops the MediaRecorder and waits for its last chunk. */
  private async stopCapture(): Promise<void> {
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    await this.stopped;
    this.set({ recordedMs: this.elapsed() });
  }

  private async complete(): Promise<void> {
    const uploader = this.uploader!;
    const failed = uploader.status().failed;
    if (failed) return this.fail(msg('recording.uploadFailed'));
    const parts = uploader.uploaded();
    const id = this.current.recordingId!;
    for (let attempt = 0; ; attempt++) {
      try {
        if (parts.length === 0) await api.abortRecording(id);
        else await api.completeRecording(id, { parts, durationMs: Math.round(this.current.recordedMs) });
        return this.set({ status: 'done' });
      } catch (err) {
        // Being assembled (a retry of ours), or the network: try again a few times.
        const retry = err instanceof ApiError && (err.code === 'RECORDING_COMPLETING' || err.status === 0 || err.status >= 500);
        if (!retry || attempt >= 5) return this.fail(describe(err));
        await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      }
    }
  }

  private fail(error: Message): void {
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.set({ status: 'failed', error });
  }

  private elapsed(): number {
    return this.current.startedAtMs === null ? 0 : Math.max(0, this.now() - this.current.startedAtMs);
  }

  private now(): number {
    return (this.opts.clock ?? browserClock).now();
  }

  private set(patch: Partial<RecorderState>): void {
    this.current = { ...this.current, ...patch };
    this.opts.onChange();
  }
}

function describe(err: unknown): Message {
  return err instanceof ApiError ? errorMessage(err.code) : msg('errors.unexpected', { detail: err instanceof Error ? err.message : String(err) });
}
