/**
 * When liveness work is due (seed 003 AC8, DESIGN 4.6), as a pure schedule the liveness timer
 * asks every tick. Pings are spread over `pingIntervalMs`: each tick pings one slice of the
 * connections (`id % slices === slice`), so a thousand sockets never get theirs in one burst;
 * the heartbeat sweep runs every `sweepIntervalMs`. Times are epoch ms of the injected clock.
 */
export class LivenessSchedule {
  /** Number of slices the connections are pinged in, one per tick. */
  readonly slices: number;
  private tick = 0;
  private nextSweepMs: number;

  /**
   * @param tickMs how often the timer runs (100 ms).
   * @param pingIntervalMs each connection is considered for a ping once per interval.
   * @param sweepIntervalMs the heartbeat sweep's period.
   */
  constructor(
    readonly tickMs: number,
    readonly pingIntervalMs: number,
    readonly sweepIntervalMs: number,
    startMs: number,
  ) {
    this.slices = Math.max(1, Math.round(pingIntervalMs / tickMs));
    this.nextSweepMs = startMs + sweepIntervalMs;
  }

  /** A connection is pinged only when it sent nothing for this long: frames already prove life. */
  get quietForMs(): number {
    return this.pingIntervalMs / 2;
  }

  /**
   * What to do at this tick: the slice to ping, and whether the sweep is due (then the next one
   * is due a full interval after `nowMs`: a late tick never causes two sweeps in a row).
   */
  next(nowMs: number): { pingSlice: number; sweep: boolean } {
    const pingSlice = this.tick++ % this.slices;
    const sweep = nowMs >= this.nextSweepMs;
    if (sweep) this.nextSweepMs = nowMs + this.sweepIntervalMs;
    return { pingSlice, sweep };
  }
}
