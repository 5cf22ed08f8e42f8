import { performance } from 'node:perf_hooks';
import { noMetrics, type JobMetrics } from '../shared/metrics.ts';

/** A background sweep: a function of `now` that tests call with a fake clock (DESIGN 3). */
export interface Job {
  name: string;
  run(now: Date): Promise<unknown>;
  /**
   * Jobs of a lower phase run first in each round (default 0); notifications that read what the
   * state-changing sweeps decided (reminders after matchmaking) take phase 1.
   */
  phase?: number;
}

/** A logger as much as the runner needs. */
export interface JobLogger {
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/**
 * Runs the service's sweeps in order. `runAll(now)` is what the scheduler calls every
 * `JOBS_INTERVAL` and what tests call after moving their clock. A failing job is logged and does
 * not stop the others.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  private readonly jobs: Job[];

  /** @param jobs run in phase order, then in the given order (`Array.prototype.sort` is stable). */
  constructor(
    jobs: readonly Job[],
    private readonly logger: JobLogger,
    /** Each run's duration and outcome (issue 14). */
    private readonly metrics: JobMetrics = noMetrics,
  ) {
    this.jobs = [...jobs].sort((a, b) => (a.phase ?? 0) - (b.phase ?? 0));
  }

  /** Runs every job once at `now`. @returns the names of the jobs that failed. */
  async runAll(now: Date): Promise<string[]> {
    const failed: string[] = [];
    for (const job of this.jobs) {
      const startedAt = performance.now();
      try {
        const result = await job.run(now);
        this.metrics.jobRan(job.name, (performance.now() - startedAt) / 1000, false);
        this.logger.debug({ job: job.name, result }, 'job ran');
      } catch (err) {
        this.metrics.jobRan(job.name, (performance.now() - startedAt) / 1000, true);
        failed.push(job.name);
        this.logger.error({ err, job: job.name }, 'job failed');
      }
    }
    return failed;
  }

  /** Runs all jobs every `intervalMs` on the given clock; runs never overlap. */
  start(intervalMs: number, now: () => Date): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.runAll(now()).then(
        () => undefined,
        () => undefined,
      );
      void this.running.finally(() => {
        this.running = null;
      });
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref?.();
    tick();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
