import type { Executor } from '../../db/client.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import type { ObjectStorage } from './object-storage.ts';

/** Largest chunk accepted, bytes: 5 s of Opus at 32 kbit/s is about 20 KB; 1 MiB leaves room for any bitrate a browser picks. */
export const MAX_PART_BYTES = 1024 * 1024;
/** How often clients cut a chunk (`MediaRecorder.start(timeslice)`), ms: a crash loses about this much. */
export const PART_INTERVAL_MS = 5_000;
/** Largest assembled recording, bytes (45 minutes at 256 kbit/s is 86 MB). */
export const MAX_RECORDING_BYTES = 200 * 1024 * 1024;
/** Recordings one user may start in one session (each consent given again starts one). */
export const MAX_RECORDINGS_PER_SESSION = 20;
/** How long an instance holds a recording it assembles, or a deletion it carries out, before another may take it over, ms. */
export const CLAIM_MS = 5 * 60_000;
/** A client's duration may exceed the time its recording was open on the server's clock by this much (skew, last chunk), ms. */
export const DURATION_SLACK_MS = 30_000;

/** The settings the recordings rules take (DESIGN 4.5, 4.7), in ms. */
export interface RecordingSettings {
  /** `RULES_RECORDING_UPLOAD_GRACE`. */
  uploadGraceMs: number;
  /** `RULES_RECORDING_RETENTION`, from a recording's end. */
  retentionMs: number;
  uploadUrlTtlMs: number;
  downloadUrlTtlMs: number;
  handoffUrlTtlMs: number;
}

/** A pino-like logger. */
export interface RecordingsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/**
 * Work started after a commit (deleting objects, settling an interrupted recording, a hand-off
 * after a session ended) without holding up the request that caused it. Failures are logged; the
 * recordings sweep finishes whatever did not happen. `idle` waits for it (tests, shutdown).
 */
export class Background {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly logger: RecordingsLogger) {}

  /** Starts `work` now; never throws. */
  run(what: string, work: () => Promise<unknown>): void {
    const task = work().catch((err: unknown) => this.logger.error({ err, what }, 'recordings: background work failed (the sweep retries it)'));
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** Resolves once every task started so far (and those they started) settled. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }
}

/** What the recordings use cases share. */
export interface RecordingsContext {
  db: Executor;
  sessions: SessionsService;
  outbox: OutboxService;
  storage: ObjectStorage;
  settings: RecordingSettings;
  logger: RecordingsLogger;
  background: Background;
}
