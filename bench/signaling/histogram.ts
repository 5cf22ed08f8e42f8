/**
 * Latency histogram in microseconds: exact 1 µs buckets up to 1 ms, then buckets 1 % wide
 * (percentiles are within 1 % above 1 ms). Histograms of several load-generator processes merge
 * by adding their counts; the maximum is kept exactly.
 */
const LINEAR_LIMIT_US = 1000;
const GROWTH = Math.log(1.01);
/** Enough buckets for 10 minutes. */
const BUCKETS = LINEAR_LIMIT_US + Math.ceil(Math.log(600e6 / LINEAR_LIMIT_US) / GROWTH) + 1;

export interface HistogramData {
  counts: number[];
  count: number;
  maxUs: number;
  sumUs: number;
}

export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  maxUs = 0;
  sumUs = 0;

  record(us: number): void {
    const v = us < 0 ? 0 : us;
    const i = v < LINEAR_LIMIT_US ? Math.floor(v) : Math.min(BUCKETS - 1, LINEAR_LIMIT_US + Math.floor(Math.log(v / LINEAR_LIMIT_US) / GROWTH));
    this.counts[i]++;
    this.count++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** A compact, JSON-friendly copy (only the non-empty prefix of the buckets). */
  toJSON(): HistogramData {
    let last = this.counts.length - 1;
    while (last >= 0 && this.counts[last] === 0) last--;
    return { counts: Array.from(this.counts.subarray(0, last + 1)), count: this.count, maxUs: this.maxUs, sumUs: this.sumUs };
  }

  static from(data: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const d of data) {
      for (let i = 0; i < d.counts.length; i++) h.counts[i] += d.counts[i];
      h.count += d.count;
      h.sumUs += d.sumUs;
      if (d.maxUs > h.maxUs) h.maxUs = d.maxUs;
    }
    return h;
  }

  /** The value at quantile `q` (0..1) in µs: the upper edge of the bucket that holds it. */
  quantileUs(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.maxUs, upperEdgeUs(i));
    }
    return this.maxUs;
  }

  meanUs(): number {
    return this.count === 0 ? NaN : this.sumUs / this.count;
  }
}

function upperEdgeUs(i: number): number {
  return i < LINEAR_LIMIT_US ? i + 1 : LINEAR_LIMIT_US * Math.exp((i - LINEAR_LIMIT_US + 1) * GROWTH);
}

/** Percentile of a small sample (connect and mesh times), in the sample's unit. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
