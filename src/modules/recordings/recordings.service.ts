import type { Executor } from '../../db/client.ts';
import type { PartUrl, Recording, StartedRecording } from '../../protocol/recordings.ts';
import type { Clock } from '../../shared/clock.ts';
import { requireAdmin, type AuthUser } from '../auth/auth.service.ts';
import type { OutboxService } from '../outbox/outbox.service.ts';
import type { SessionChange, SessionsService } from '../sessions/sessions.service.ts';
import type { DeclaredParts } from './assembly.ts';
import { abortRecording, completeRecording } from './complete-recording.ts';
import { decideHandoffNow } from './handoff.ts';
import type { ObjectStorage } from './object-storage.ts';
import { deletionsOf, runDeletions } from './object-deletions.ts';
import { getRecording, myRecordings, sessionRecordings } from './recording-reads.ts';
import { Background, type RecordingSettings, type RecordingsContext, type RecordingsLogger } from './recordings-context.ts';
import { RecordingsSweep, type SweepCounts } from './recordings.jobs.ts';
import { recordingsRepository, type RecordingRow } from './recordings.repository.ts';
import { partUrl, startRecording } from './start-recording.ts';
import { onConsentChange } from './withdrawal.ts';

export type { RecordingSettings } from './recordings-context.ts';
export type { SweepCounts } from './recordings.jobs.ts';

/** What the recordings module is built from (the module descriptor wires it). */
export interface RecordingsDeps {
  db: Executor;
  sessions: SessionsService;
  outbox: OutboxService;
  storage: ObjectStorage;
  settings: RecordingSettings;
  clock: Clock;
  logger: RecordingsLogger;
}

/**
 * The recordings module's entry point (seed 000 §2.4 and §5.4, DESIGN 4.7): each consenting
 * participant's own voice, uploaded by the browser in chunks, assembled into one file per
 * continuous stretch, handed to the feedback service (`session.recorded`), seen by its owner
 * only, and deleted after the retention period, on withdrawal or on erasure. Use cases live in
 * files named after them: `start-recording.ts` (start, chunk URLs), `complete-recording.ts`
 * (complete, abort, interrupted recordings), `withdrawal.ts`, `handoff.ts`, `recording-reads.ts`,
 * `object-deletions.ts`; the sweep is `recordings.jobs.ts`; storage sits behind
 * `object-storage.ts`. Nothing is subscribed before `start`.
 */
export class RecordingsService {
  private readonly ctx: RecordingsContext;
  private readonly clock: Clock;
  private readonly sweeper: RecordingsSweep;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(deps: RecordingsDeps) {
    const { clock, ...rest } = deps;
    this.clock = clock;
    this.ctx = { ...rest, background: new Background(deps.logger) };
    this.sweeper = new RecordingsSweep(this.ctx);
  }

  /** The object store in use (operations, tests). */
  get storage(): ObjectStorage {
    return this.ctx.storage;
  }

  /**
   * Joins the sessions module: withdrawals inside consent changes (`withdrawal.ts`), and a
   * hand-off attempt as soon as a session ends. Idempotent.
   */
  start(): void {
    if (this.unsubscribe.length) return;
    const { ctx } = this;
    this.unsubscribe.push(ctx.sessions.onConsentChange((tx, after, change) => onConsentChange(ctx, tx, after, change)));
    this.unsubscribe.push(
      ctx.sessions.onChange((change: SessionChange) => {
        if (change.type !== 'ended') return;
        ctx.background.run('hand-off after the session ended', () => decideHandoffNow(ctx, change.sessionId, this.clock.now()));
      }),
    );
  }

  /** Leaves the sessions module and waits for the work started after commits. */
  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.idle();
  }

  /** Resolves once the work started after commits (deletions, hand-offs, settling) is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.ctx.background.idle();
  }

  /** `POST /api/sessions/{id}/recordings` (`start-recording.ts`). */
  startRecording(user: AuthUser, sessionId: string, contentType: string, now: Date): Promise<StartedRecording> {
    return startRecording(this.ctx, user, sessionId, contentType, now);
  }

  /** `POST /api/recordings/{id}/parts` (`start-recording.ts`). */
  partUrl(user: AuthUser, recordingId: string, partNumber: number, now: Date): Promise<PartUrl> {
    return partUrl(this.ctx, user, recordingId, partNumber, now);
  }

  /** `POST /api/recordings/{id}/complete` (`complete-recording.ts`). */
  async complete(user: AuthUser, recordingId: string, body: { parts?: DeclaredParts; durationMs: number }, now: Date): Promise<Recording> {
    await completeRecording(this.ctx, user, recordingId, body, now);
    return getRecording(this.ctx, user, recordingId);
  }

  /** `POST /api/recordings/{id}/abort` (`complete-recording.ts`). @returns the recording's id and status. */
  async abort(user: AuthUser, recordingId: string, now: Date): Promise<{ id: string; status: 'aborted' }> {
    const row = await abortRecording(this.ctx, user, recordingId, now);
    return { id: row.id, status: 'aborted' };
  }

  /** `GET /api/recordings/{id}` (`recording-reads.ts`). */
  get(user: AuthUser, recordingId: string): Promise<Recording> {
    return getRecording(this.ctx, user, recordingId);
  }

  /** `GET /api/sessions/{id}/recordings` (`recording-reads.ts`). */
  sessionRecordings(user: AuthUser, sessionId: string): Promise<{ items: Recording[] }> {
    return sessionRecordings(this.ctx, user, sessionId);
  }

  /** `GET /api/recordings` (`recording-reads.ts`). */
  mine(user: AuthUser, query: { cursor?: string; limit?: number }): Promise<{ items: Recording[]; nextCursor: string | null }> {
    return myRecordings(this.ctx, user, query);
  }

  /**
   * The module's share of a user's erasure (seed 000 §6.3, DESIGN 4.4), inside the erasure's
   * transaction `tx`: the user's recordings are gone at once, their files and chunks are queued
   * for deletion, which the sweep carries out after the commit (never inside the transaction).
   * @returns how many recordings there were.
   */
  async eraseUser(tx: Executor, userId: string, now: Date): Promise<number> {
    const rows: RecordingRow[] = await recordingsRepository.listAllOfUser(tx, userId);
    const entries = rows.flatMap((r) => deletionsOf(r, now, this.ctx.settings.uploadUrlTtlMs, 'both'));
    await recordingsRepository.enqueueDeletions(tx, entries, now);
    await recordingsRepository.deleteOfUser(tx, userId);
    return rows.length;
  }

  /**
   * `DELETE /api/admin/users/{userId}/recordings`: an admin erases a user's recordings now (until
   * `user.deleted` events do it through `eraseUser`); their objects are deleted before it answers.
   * @throws AppError forbidden/ADMIN_ONLY.
   */
  async eraseUserNow(admin: AuthUser, userId: string, now: Date): Promise<{ recordings: number }> {
    requireAdmin(admin, 'erase a user\'s recordings');
    const recordings = await this.ctx.db.transaction((tx) => this.eraseUser(tx, userId, now));
    await runDeletions(this.ctx, now);
    this.ctx.logger.info({ recordings }, 'recordings: a user\'s recordings were erased');
    return { recordings };
  }

  /** The recordings sweep (`recordings.jobs.ts`). */
  sweep(now: Date): Promise<SweepCounts> {
    return this.sweeper.run(now);
  }
}
