/**
 * Parses a duration written like `500ms`, `90s`, `5m`, `2h` or `30d` (DESIGN 4.5) into milliseconds.
 * @returns the duration in ms, or `null` when the text is not a valid non-negative duration.
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) return null;
  const value = Number(match[1]);
  const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Math.round(value * unitMs[match[2]]);
}

/** Formats milliseconds as the shortest exact duration text (`300000` → `5m`). */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
