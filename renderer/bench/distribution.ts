/**
 * Latency samples turned into what the charts draw: histogram bins and CDF points, in µs.
 *
 * Pure (no DOM) so the unit tests run it under Node; the charts only plot what this returns.
 */

export interface Histogram {
  /** Left edge of each bin (µs); every bin is `width` wide. */
  readonly starts: readonly number[];
  readonly counts: readonly number[];
  readonly width: number;
}

/** A histogram whose range ends before the slowest samples, and how many it leaves out. */
export interface ClippedHistogram extends Histogram {
  /** The largest latency the bins cover (µs); null when nothing is left out. */
  readonly clipAt: number | null;
  /** Samples above clipAt, not drawn. */
  readonly hidden: number;
}

export interface Cdf {
  /** Latency (µs), ascending. */
  readonly xs: readonly number[];
  /** Share of samples at or below xs[i], in percent. */
  readonly ys: readonly number[];
}

function finiteSorted(samples: readonly number[]): number[] {
  return samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/**
 * Freedman–Diaconis would follow the tail too eagerly for latency data with rare spikes; the
 * square-root rule clamped to [minBins, maxBins] keeps the bars readable on a laptop screen.
 */
export function binCount(n: number, minBins = 5, maxBins = 60): number {
  if (n <= 0) return 0;
  return Math.min(maxBins, Math.max(minBins, Math.ceil(Math.sqrt(n))));
}

export function histogram(samples: readonly number[], bins?: number): Histogram {
  const sorted = finiteSorted(samples);
  if (sorted.length === 0) return { starts: [], counts: [], width: 0 };
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  if (min === max) {
    // All equal: one bar, centred on the value, with a width that still draws.
    const width = Math.max(1, Math.abs(min) * 0.01);
    return { starts: [min - width / 2], counts: [sorted.length], width };
  }
  const n = bins ?? binCount(sorted.length);
  const width = (max - min) / n;
  const counts = new Array<number>(n).fill(0);
  for (const v of sorted) {
    // The maximum belongs to the last bin, not to one past it.
    const i = Math.min(n - 1, Math.floor((v - min) / width));
    counts[i]! += 1;
  }
  return { starts: counts.map((_, i) => min + i * width), counts, width };
}

/** Nearest rank, as core/bench/stats.ts computes the statistics table's percentiles. */
function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(Number(((p / 100) * sorted.length).toFixed(9))));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** At most this share of the samples is ever left out of the histogram. */
const MAX_HIDDEN_SHARE = 0.01;

/**
 * Where the histogram's range ends: at p99.9 (the statistics table's), so one slow inference
 * among thousands does not squash every other one into the first bin. Below 1000 samples p99.9
 * is the maximum itself, so there a far-out maximum (beyond Q3 + 3·IQR, Tukey's far fence) is cut
 * at the fence instead — as long as that leaves out at most 1 % of the samples.
 */
export function histogramClip(samples: readonly number[]): number | null {
  const sorted = finiteSorted(samples);
  const n = sorted.length;
  if (n < 2) return null;
  const max = sorted[n - 1]!;
  const p999 = nearestRank(sorted, 99.9);
  if (p999 < max) return p999;
  const q1 = nearestRank(sorted, 25);
  const q3 = nearestRank(sorted, 75);
  const farFence = q3 + 3 * (q3 - q1);
  if (max <= farFence) return null;
  let kept = n;
  while (kept > 0 && sorted[kept - 1]! > farFence) kept -= 1;
  if (kept === 0 || n - kept > n * MAX_HIDDEN_SHARE) return null;
  return sorted[kept - 1]!;
}

/** The histogram of the samples up to histogramClip's limit, saying how many lie beyond. */
export function clippedHistogram(samples: readonly number[], bins?: number): ClippedHistogram {
  const clipAt = histogramClip(samples);
  if (clipAt === null) return { ...histogram(samples, bins), clipAt: null, hidden: 0 };
  const kept = samples.filter((v) => Number.isFinite(v) && v <= clipAt);
  return { ...histogram(kept, bins), clipAt, hidden: samples.filter((v) => Number.isFinite(v)).length - kept.length };
}

/** One point per distinct value (the last index holding it), so ties make a single step. */
export function cdf(samples: readonly number[]): Cdf {
  const sorted = finiteSorted(samples);
  const xs: number[] = [];
  const ys: number[] = [];
  const n = sorted.length;
  for (let i = 0; i < n; i += 1) {
    const v = sorted[i]!;
    if (i + 1 < n && sorted[i + 1] === v) continue;
    xs.push(v);
    ys.push(((i + 1) / n) * 100);
  }
  return { xs, ys };
}

/**
 * Thousands of points are more than a chart's width can show; keep every k-th point plus the
 * last one so the curve still ends at 100 %.
 */
export function thinCdf(curve: Cdf, maxPoints = 2000): Cdf {
  const n = curve.xs.length;
  if (n <= maxPoints) return curve;
  const step = Math.ceil(n / maxPoints);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i += step) {
    xs.push(curve.xs[i]!);
    ys.push(curve.ys[i]!);
  }
  if (xs[xs.length - 1] !== curve.xs[n - 1]) {
    xs.push(curve.xs[n - 1]!);
    ys.push(curve.ys[n - 1]!);
  }
  return { xs, ys };
}

/** Several CDFs on one x axis, as uPlot wants them: the union of their latencies, one y row each. */
export interface AlignedCdfs {
  readonly xs: readonly number[];
  /** Per curve, its share (%) at or below each x: 0 before its first sample, 100 after its last. */
  readonly ys: readonly (readonly number[])[];
}

/** A CDF is a step function defined everywhere, so each curve is read at every other curve's points. */
export function alignCdfs(curves: readonly Cdf[]): AlignedCdfs {
  const xs = [...new Set(curves.flatMap((c) => c.xs))].sort((a, b) => a - b);
  const ys = curves.map((c) => {
    const row: number[] = [];
    let i = -1;
    for (const x of xs) {
      while (i + 1 < c.xs.length && c.xs[i + 1]! <= x) i += 1;
      row.push(i < 0 ? 0 : c.ys[i]!);
    }
    return row;
  });
  return { xs, ys };
}
