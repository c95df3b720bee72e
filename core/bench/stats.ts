/**
 * Latency statistics from the raw per-inference samples of a benchmark run (microseconds).
 *
 * Percentiles use the nearest-rank method: sort the n samples ascending; the p-th percentile is
 * the sample at 1-based rank ⌈p/100 · n⌉ (rank 1 when that is 0). Every reported percentile is
 * therefore a latency that was really measured, never an interpolation between two runs, and
 * the same samples give the same figures in the app, the CLI and a report. Quartiles for the
 * outlier fence use the same method.
 *
 * Standard deviation is the sample standard deviation (divides by n − 1; 0 for one sample).
 * Throughput assumes inferences run one after another: 1 000 000 / mean µs per second.
 * Outliers are samples above Q3 + 1.5·IQR (Tukey's upper fence): slow spikes are what a
 * technician cares about; unusually fast runs are not a fault.
 */

export interface LatencyStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stdDev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  /** Inferences per second if they run back to back (0 when every sample is 0 µs: too fast to measure). */
  readonly throughputPerSec: number;
  /** Coefficient of variation: stdDev / mean (0 when the mean is 0). */
  readonly cv: number;
  /** Samples above Q3 + 1.5·IQR. */
  readonly outliers: number;
}

/** The nearest-rank percentile of ascending-sorted values; `p` from 0 to 100. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('a percentile of no samples is undefined');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`a percentile must be from 0 to 100, not ${p}`);
  // Rounded first: 99.9 / 100 · 1000 is 999.0000000000001 in binary floating point, and must rank 999.
  const rank = Math.max(1, Math.ceil(Number(((p / 100) * sorted.length).toFixed(9))));
  return sorted[rank - 1]!;
}

/** Throws RangeError for no samples or a sample that is not a finite, non-negative number. */
export function computeStats(samplesUs: ArrayLike<number>): LatencyStats {
  const n = samplesUs.length;
  if (n === 0) throw new RangeError('there are no latency samples: the run made no inferences');
  const sorted = Float64Array.from(samplesUs);
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`sample ${i + 1} is ${v}; a latency must be a finite number ≥ 0 µs`);
  }
  sorted.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i]! - mean) ** 2;
  const stdDev = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  const q1 = nearestRank(sorted, 25);
  const q3 = nearestRank(sorted, 75);
  const fence = q3 + 1.5 * (q3 - q1);
  let outliers = 0;
  for (let i = n - 1; i >= 0 && sorted[i]! > fence; i--) outliers++;
  return {
    count: n,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean,
    stdDev,
    p50: nearestRank(sorted, 50),
    p90: nearestRank(sorted, 90),
    p99: nearestRank(sorted, 99),
    p999: nearestRank(sorted, 99.9),
    throughputPerSec: mean > 0 ? 1_000_000 / mean : 0,
    cv: mean > 0 ? stdDev / mean : 0,
    outliers,
  };
}
