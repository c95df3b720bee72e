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
