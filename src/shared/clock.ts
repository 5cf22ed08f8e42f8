/** Source of the current time. Production uses the system clock; tests inject a `ManualClock`. */
export interface Clock {
  /** The current instant (UTC). */
  now(): Date;
  /** The same instant as epoch milliseconds (UTC), without allocating a `Date` (hot paths: every signaling frame). */
  nowMs(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date(), nowMs: () => Date.now() };

/** A clock that only moves when told to, for time-dependent tests without sleeps. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string | number = Date.now()) {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  nowMs(): number {
    return this.current;
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }
  /** Sets the clock to an instant. */
  set(at: Date | string | number): Date {
    this.current = new Date(at).getTime();
    return this.now();
  }
}
