/**
 * `setInterval` / `clearInterval` behind a port, so that periodic work (the signaling liveness
 * timer) can be driven by hand in tests with a manual clock, as `Clock` is.
 */
export interface IntervalTimers {
  /** Calls `fn` every `ms` milliseconds until cleared; must not keep the process alive on its own. */
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Node's timers, unref'd. */
export const realTimers: IntervalTimers = {
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Intervals that fire only when a test calls `tick()`, each registered callback once per tick. */
export class ManualTimers implements IntervalTimers {
  private readonly callbacks = new Map<number, () => void>();
  private nextId = 1;

  setInterval(fn: () => void): unknown {
    const id = this.nextId++;
    this.callbacks.set(id, fn);
    return id;
  }

  clearInterval(handle: unknown): void {
    this.callbacks.delete(handle as number);
  }

  /** Runs every registered interval callback once, in registration order. */
  tick(): void {
    for (const fn of [...this.callbacks.values()]) fn();
  }

  /** How many intervals are registered (started and not cleared). */
  get active(): number {
    return this.callbacks.size;
  }
}
