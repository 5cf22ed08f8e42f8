/**
 * Speaking time measured by signaling and not yet in the database (seed 002 AC4:
 * `speakingTimeSeconds`). One ledger per process, built in the container:
 *
 * - signaling writes to it: a stretch opens with `begin` and closes with `end`; what is pending is
 *   taken with `takeDue` and written through `SessionsService.addSpeakingTime`;
 * - the sessions transaction that closes a participation or ends a session reads it (`unwritten`)
 *   so that `participant.left` and `session.ended` count speaking up to that instant;
 * - after that transaction commits, the sessions service `clear`s what it counted, so signaling
 *   never writes it a second time. A rolled-back transaction clears nothing.
 *
 * Entries are per session and user (not per socket): a user replacing its own connection keeps
 * one stretch. All times are epoch ms (UTC) of the injected clock. Synchronous and in-process:
 * it only ever holds what this instance's sockets measured.
 */
export class SpeakingLedger {
  private readonly sessions = new Map<string, Map<string, SpeakingEntry>>();
  /** Writes of taken ms not finished yet, per session: their ms are in neither the ledger nor the database. */
  private readonly writing = new Map<string, Set<Promise<unknown>>>();

  /**
   * @param writeIntervalMs stretches ending less than this after the previous write of the same
   *   user wait for the next one (a voice-activity detector may toggle quickly).
   */
  constructor(readonly writeIntervalMs = 1_000) {}

  /** Opens a stretch at `atMs`. @returns false when one is already open (the frame changes nothing). */
  begin(sessionId: string, userId: string, atMs: number): boolean {
    const entry = this.entry(sessionId, userId, true);
    if (entry.sinceMs !== null) return false;
    entry.sinceMs = atMs;
    return true;
  }

  /** Closes the open stretch at `atMs`; its length becomes pending. @returns false when none was open. */
  end(sessionId: string, userId: string, atMs: number): boolean {
    const entry = this.entry(sessionId, userId, false);
    if (!entry || entry.sinceMs === null) return false;
    entry.pendingMs += Math.max(0, atMs - entry.sinceMs);
    entry.sinceMs = null;
    return true;
  }

  /** True while the user has an open stretch in the session. */
  isSpeaking(sessionId: string, userId: string): boolean {
    return (this.entry(sessionId, userId, false)?.sinceMs ?? null) !== null;
  }

  /**
   * Speaking not written yet, in ms per user up to `nowMs` (pending plus the open stretch): of
   * one user when `userId` is given, of every user of the session otherwise. Reads only, so a
   * transaction that rolls back leaves the ledger as it was.
   */
  unwritten(sessionId: string, userId: string | null, nowMs: number): Map<string, number> {
    const out = new Map<string, number>();
    const users = this.sessions.get(sessionId);
    if (!users) return out;
    const entries = userId === null ? users : new Map([[userId, users.get(userId)]]);
    for (const [id, entry] of entries) {
      if (!entry) continue;
      const ms = entry.pendingMs + (entry.sinceMs === null ? 0 : Math.max(0, nowMs - entry.sinceMs));
      if (ms > 0) out.set(id, ms);
    }
    return out;
  }

  /**
   * Takes the user's pending ms for a database write: at once when `force`, otherwise only when
   * the last write is at least `writeIntervalMs` old. An open stretch stays open (counted later).
   * @returns the ms taken (0: nothing to write now).
   */
  takeDue(sessionId: string, userId: string, nowMs: number, force: boolean): number {
    const entry = this.entry(sessionId, userId, false);
    if (!entry || entry.pendingMs <= 0) return 0;
    if (!force && nowMs - entry.writtenAtMs < this.writeIntervalMs) return 0;
    const ms = entry.pendingMs;
    entry.pendingMs = 0;
    entry.writtenAtMs = nowMs;
    return ms;
  }

  /**
   * The user's connection went away (dropped, replaced, retired): closes the open stretch at
   * `nowMs` and removes the entry. @returns the ms still to write (0 when a commit counted them).
   */
  release(sessionId: string, userId: string, nowMs: number): number {
    if (!this.entry(sessionId, userId, false)) return 0;
    this.end(sessionId, userId, nowMs);
    const ms = this.entry(sessionId, userId, false)?.pendingMs ?? 0;
    this.clear(sessionId, userId);
    return ms;
  }

  /**
   * Forgets what a committed transaction counted: the user's entry, or every entry of the
   * session when `userId` is null (the session ended). An open stretch is dropped too: the
   * participation it belonged to is closed.
   */
  clear(sessionId: string, userId: string | null): void {
    if (userId === null) {
      this.sessions.delete(sessionId);
      return;
    }
    const users = this.sessions.get(sessionId);
    users?.delete(userId);
    if (users?.size === 0) this.sessions.delete(sessionId);
  }

  /**
   * Registers the database write of ms that `takeDue` or `release` gave for `sessionId`, so that
   * a transaction counting the session's speaking can wait for it (`settled`) instead of missing
   * what is then in neither place.
   */
  track(sessionId: string, write: Promise<unknown>): void {
    let set = this.writing.get(sessionId);
    if (!set) this.writing.set(sessionId, (set = new Set()));
    const done = write.then(
      () => undefined,
      () => undefined,
    );
    set.add(done);
    void done.then(() => {
      set.delete(done);
      if (set.size === 0 && this.writing.get(sessionId) === set) this.writing.delete(sessionId);
    });
  }

  /**
   * Resolves once the writes tracked before the call have ended, committed or failed: the
   * session's, or every session's when `sessionId` is null (a sweep that has not chosen its
   * sessions yet).
   */
  async settled(sessionId: string | null): Promise<void> {
    const sets = sessionId === null ? [...this.writing.values()] : [this.writing.get(sessionId)];
    const pending = sets.flatMap((set) => (set ? [...set] : []));
    if (pending.length) await Promise.all(pending);
  }

  /** Number of (session, user) entries held; tests and metrics. */
  get size(): number {
    let n = 0;
    for (const users of this.sessions.values()) n += users.size;
    return n;
  }

  private entry(sessionId: string, userId: string, create: true): SpeakingEntry;
  private entry(sessionId: string, userId: string, create: false): SpeakingEntry | undefined;
  private entry(sessionId: string, userId: string, create: boolean): SpeakingEntry | undefined {
    let users = this.sessions.get(sessionId);
    let entry = users?.get(userId);
    if (entry || !create) return entry;
    if (!users) {
      users = new Map();
      this.sessions.set(sessionId, users);
    }
    entry = { sinceMs: null, pendingMs: 0, writtenAtMs: Number.NEGATIVE_INFINITY };
    users.set(userId, entry);
    return entry;
  }
}

/** One user's speaking in one session. */
interface SpeakingEntry {
  /** Start of the open stretch (epoch ms), or null. */
  sinceMs: number | null;
  /** Closed stretches not written yet, ms. */
  pendingMs: number;
  /** Last write (epoch ms); -Infinity before the first. */
  writtenAtMs: number;
}
