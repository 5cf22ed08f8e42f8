/** A presence interval as stored: `leftAt` null while open. */
export interface Interval {
  joinedAt: Date;
  leftAt: Date | null;
}

/**
 * Seconds present over `intervals` (seed 004 §5 "Durée de présence"), an open interval counted up
 * to `until` and nothing counted past it; overlapping intervals are not expected (one open at a
 * time) but are not counted twice.
 */
export function presenceSeconds(intervals: readonly Interval[], until: Date): number {
  const stop = until.getTime();
  const spans = intervals
    .map((i) => [i.joinedAt.getTime(), Math.min(i.leftAt?.getTime() ?? stop, stop)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let reached = -Infinity;
  for (const [a, b] of spans) {
    const from = Math.max(a, reached);
    if (b > from) total += b - from;
    reached = Math.max(reached, b);
  }
  return Math.floor(total / 1000);
}

/** Mean of `values`, rounded; 0 for none. */
export function average(values: readonly number[]): number {
  return values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : 0;
}
