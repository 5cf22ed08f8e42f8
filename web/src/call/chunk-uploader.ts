/**
 * Uploads a recording's chunks in order, one at a time, each to a fresh signed URL, retrying with
 * backoff while the network or the store is away (a dropped network loses nothing as long as the
 * tab lives: chunks wait in memory). Framework-free; the recorder reads `status()`.
 */
import { backoffDelay, type BackoffPolicy } from './backoff.ts';

/** Where one chunk goes: a signed URL and the headers it must carry. */
export interface UploadTarget {
  url: string;
  headers: Record<string, string>;
}

/** A PUT the store answered with an error status. */
export class UploadRefused extends Error {
  constructor(readonly status: number) {
    super(`the upload was refused (HTTP ${status})`);
    this.name = 'UploadRefused';
  }
}

/** What the uploader needs. */
export interface ChunkUploaderDeps {
  /** A signed URL for chunk `partNumber` (`POST /api/recordings/{id}/parts`). */
  target(partNumber: number): Promise<UploadTarget>;
  /** PUTs `blob` to `target`. @returns the store's ETag when readable. @throws UploadRefused, or a network error. */
  put(target: UploadTarget, blob: Blob): Promise<string | null>;
  /** True for an error after which retrying is pointless (the recording is closed, the window is over). */
  isFatal(err: unknown): boolean;
  /** Called after every change of `status()`. */
  onChange(): void;
  /** Waits `ms` (a timer; tests pass their own). */
  wait?(ms: number): Promise<void>;
}

/** Chunks waiting beyond this count mean the upload falls behind the capture. */
export const BEHIND_AFTER_PARTS = 3;
/** Chunks kept waiting in memory at most, bytes (about an hour of Opus at 32 kbit/s): beyond, the upload has failed. */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const UPLOAD_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 15_000, jitter: 0.5 };

/** How the upload is doing. */
export interface UploadStatus {
  pendingParts: number;
  pendingBytes: number;
  uploadedParts: number;
  uploadedBytes: number;
  /** The current chunk failed at least once and is being retried. */
  retrying: boolean;
  /** Chunks pile up (`BEHIND_AFTER_PARTS`) or keep failing. */
  behind: boolean;
  /** Why the upload stopped for good, or null. */
  failed: string | null;
  /** Why the last attempt failed, while retrying. */
  lastError: string | null;
}

/** One recording's chunk queue. */
export class ChunkUploader {
  private readonly pending: { partNumber: number; blob: Blob }[] = [];
  private readonly done: { partNumber: number; etag?: string; size: number }[] = [];
  private attempts = 0;
  private lastError: string | null = null;
  private failure: string | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly deps: ChunkUploaderDeps) {}

  /** Queues chunk `partNumber` and starts uploading if idle. */
  add(partNumber: number, blob: Blob): void {
    if (this.stopped || this.failure) return;
    this.pending.push({ partNumber, blob });
    if (this.pendingBytes() > MAX_PENDING_BYTES) return this.fail('too much audio is waiting to be uploaded');
    this.deps.onChange();
    this.kick();
  }

  /** The chunks uploaded, in order, for `POST …/complete`. */
  uploaded(): { partNumber: number; etag?: string }[] {
    return this.done.map(({ partNumber, etag }) => (etag ? { partNumber, etag } : { partNumber }));
  }

  status(): UploadStatus {
    return {
      pendingParts: this.pending.length,
      pendingBytes: this.pendingBytes(),
      uploadedParts: this.done.length,
      uploadedBytes: this.done.reduce((sum, p) => sum + p.size, 0),
      retrying: this.attempts > 0,
      behind: this.pending.length >= BEHIND_AFTER_PARTS || this.attempts >= 2,
      failed: this.failure,
      lastError: this.lastError,
    };
  }

  /** Resolves once every queued chunk is uploaded, or the upload failed or was stopped. */
  drained(): Promise<void> {
    if (this.pending.length === 0 || this.failure || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Gives up: queued chunks are dropped (consent withdrawn). */
  stop(): void {
    this.stopped = true;
    this.pending.length = 0;
    this.settle();
  }

  /** Starts the upload loop unless it runs; a chunk added while the loop was ending starts it again. */
  private kick(): void {
    this.running ??= this.loop().finally(() => {
      this.running = null;
      if (this.pending.length && !this.failure && !this.stopped) this.kick();
      else this.settle();
    });
  }

  private async loop(): Promise<void> {
    const wait = this.deps.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    while (this.pending.length && !this.stopped && !this.failure) {
      const part = this.pending[0]!;
      try {
        const target = await this.deps.target(part.partNumber);
        if (this.stopped) return;
        const etag = await this.deps.put(target, part.blob);
        this.pending.shift();
        this.done.push({ partNumber: part.partNumber, size: part.blob.size, ...(etag ? { etag } : {}) });
        this.attempts = 0;
        this.lastError = null;
      } catch (err) {
        if (this.deps.isFatal(err)) return this.fail(err instanceof Error ? err.message : String(err));
        this.attempts++;
        this.lastError = err instanceof Error ? err.message : String(err);
        this.deps.onChange();
        await wait(backoffDelay(this.attempts - 1, UPLOAD_BACKOFF));
        continue;
      }
      this.deps.onChange();
      if (this.pending.length === 0) this.settle();
    }
  }

  private fail(reason: string): void {
    this.failure = reason;
    this.deps.onChange();
    this.settle();
  }

  private settle(): void {
    if (this.pending.length && !this.failure && !this.stopped) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private pendingBytes(): number {
    return this.pending.reduce((sum, p) => sum + p.blob.size, 0);
  }
}
