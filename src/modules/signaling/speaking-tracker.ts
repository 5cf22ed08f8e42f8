import type { SpeakingLedger } from '../sessions/speaking-ledger.ts';
import type { Connection } from './connection.ts';

/**
 * Speaking stretches of this instance's connections (seed 002 AC4 `speakingTimeSeconds`),
 * measured from the clients' `speaking` frames into the process's `SpeakingLedger` and written to
 * the database through `write` (in batches: at most once per `writeIntervalMs` per user, plus
 * whenever a connection goes away). A leave or an end committed on this instance counts the
 * ledger's unwritten time in its own transaction and clears it, so what is released afterwards
 * is only what no transaction counted. Every write taken from the ledger is registered with it
 * (`SpeakingLedger.track`) here, where the ms leave it: while it runs they are in neither the
 * ledger nor the database, and a leave or an end of the session waits for it.
 */
export class SpeakingTracker {
  constructor(
    private readonly ledger: SpeakingLedger,
    /**
     * Writes `ms` of speaking for the connection's participant (queued behind its other writes).
     * @returns the write, settled when it committed or failed.
     */
    private readonly write: (conn: Connection, ms: number, nowMs: number) => Promise<unknown>,
  ) {}

  /**
   * Starts or ends a stretch; the end of one is written when the throttle allows.
   * @returns false when nothing changed (a repeat of the current state).
   */
  set(conn: Connection, speaking: boolean, nowMs: number): boolean {
    if (speaking) return this.ledger.begin(conn.sessionId, conn.userId, nowMs);
    if (!this.ledger.end(conn.sessionId, conn.userId, nowMs)) return false;
    this.writeDue(conn, nowMs, false);
    return true;
  }

  /** True while the connection's participant is in a stretch (told to newcomers after `participant-list`). */
  isSpeaking(conn: Connection): boolean {
    return this.ledger.isSpeaking(conn.sessionId, conn.userId);
  }

  /** Writes what the throttle held back (the liveness sweep calls it for every live connection). */
  flush(conn: Connection, nowMs: number): void {
    this.writeDue(conn, nowMs, true);
  }

  /** The connection went away (dropped, replaced, retired, session ended): closes its stretch and writes what is left. */
  release(conn: Connection, nowMs: number): void {
    this.writeTaken(conn, this.ledger.release(conn.sessionId, conn.userId, nowMs), nowMs);
  }

  private writeDue(conn: Connection, nowMs: number, force: boolean): void {
    this.writeTaken(conn, this.ledger.takeDue(conn.sessionId, conn.userId, nowMs, force), nowMs);
  }

  /** Writes ms just taken from the ledger, registered with it until the write settles. */
  private writeTaken(conn: Connection, ms: number, nowMs: number): void {
    if (ms > 0) this.ledger.track(conn.sessionId, this.write(conn, ms, nowMs));
  }
}
