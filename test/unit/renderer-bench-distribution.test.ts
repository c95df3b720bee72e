/**
 * The Benchmark view's pure logic: histogram bins and CDF points from latency samples (µs).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { binCount, cdf, clippedHistogram, histogram, histogramClip, thinCdf } from '../../renderer/bench/distribution.js';
import { clippedNote } from '../../renderer/bench/format.js';

describe('histogram', () => {
  test('no samples give no bins', () => {
    assert.deepEqual(histogram([]), { starts: [], counts: [], width: 0 });
  });

  test('one sample gives one bar holding it', () => {
    const h = histogram([120]);
    assert.deepEqual(h.counts, [1]);
    assert.ok(h.starts[0]! <= 120 && h.starts[0]! + h.width >= 120);
  });

  test('all equal samples fall in one bar', () => {
    const h = histogram([50, 50, 50, 50]);
    assert.deepEqual(h.counts, [4]);
    assert.ok(h.width > 0);
  });

  test('hand-computed bins: the maximum lands in the last bin, every sample counted once', () => {
    const h = histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], 5);
    assert.equal(h.width, 2);
    assert.deepEqual(h.starts, [0, 2, 4, 6, 8]);
    assert.deepEqual(h.counts, [2, 2, 2, 2, 2]);
  });

  test('non-finite samples are ignored', () => {
    const h = histogram([1, Number.NaN, 3, Number.POSITIVE_INFINITY], 2);
    assert.deepEqual(h.counts, [1, 1]);
  });

  test('bin count follows the square root, clamped', () => {
    assert.equal(binCount(0), 0);
    assert.equal(binCount(4), 5);
    assert.equal(binCount(200), 15);
    assert.equal(binCount(1_000_000), 60);
  });
});

describe('cdf', () => {
  test('one point per distinct value, ending at 100 %', () => {
    assert.deepEqual(cdf([30, 10, 20, 20]), { xs: [10, 20, 30], ys: [25, 75, 100] });
  });

  test('all equal: a single step to 100 %', () => {
    assert.deepEqual(cdf([7, 7, 7]), { xs: [7], ys: [100] });
  });

  test('empty stays empty', () => {
    assert.deepEqual(cdf([]), { xs: [], ys: [] });
  });

  test('thinning keeps the last point and at most about the limit', () => {
    const curve = cdf(Array.from({ length: 10_001 }, (_, i) => i));
    const thin = thinCdf(curve, 100);
    assert.ok(thin.xs.length <= 102);
    assert.equal(thin.xs.at(-1), 10_000);
    assert.equal(thin.ys.at(-1), 100);
    assert.equal(thinCdf(cdf([1, 2]), 100).xs.length, 2);
  });
});

describe('clipped histogram', () => {
  /** n samples spread evenly over 100…199 µs. */
  const spread = (n: number): number[] => Array.from({ length: n }, (_, i) => 100 + (i % 100));

  test('one slow inference among thousands: the range ends at p99.9 and says what it left out', () => {
    const samples = [...spread(4000), 50_000, 60_000, 70_000];
    const h = clippedHistogram(samples);
    // nearest rank ⌈0.999 · 4003⌉ = 3999: the 3999th smallest sample, still in the spread.
    assert.equal(h.clipAt, 199);
    assert.equal(h.hidden, 3);
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      4000,
    );
    // Without the clip every normal sample would sit in the first of 60 bins.
    assert.ok(Math.max(...h.counts) < 4000 / 2, `bins: ${h.counts.join(',')}`);
    assert.equal(h.starts[0], 100);
    assert.ok(h.starts.at(-1)! + h.width <= 199 + 1e-9);
    assert.equal(clippedNote(h.hidden, h.clipAt!), '3 samples above 199 µs not shown');
  });

  test('a short run with one far-out spike: cut at the far fence (below 1000 samples p99.9 is the maximum)', () => {
    const samples = [...spread(200), 1_200_000];
    assert.equal(histogramClip(samples), 199);
    const h = clippedHistogram(samples);
    assert.equal(h.hidden, 1);
    assert.equal(clippedNote(h.hidden, 1200), '1 sample above 1.20 ms not shown');
  });

  test('nothing is clipped when no sample stands out, and never more than 1 % of them', () => {
    assert.equal(histogramClip(spread(500)), null);
    assert.equal(clippedHistogram(spread(500)).hidden, 0);
    assert.equal(histogramClip([5]), null);
    assert.equal(histogramClip([]), null);
    // 5 % of a short run far out: that is the run's shape, not an outlier to hide.
    assert.equal(histogramClip([...spread(95), 9e6, 9e6, 9e6, 9e6, 9e6]), null);
    const all = clippedHistogram([...spread(95), 9e6, 9e6, 9e6, 9e6, 9e6]);
    assert.equal(all.clipAt, null);
    assert.equal(
      all.counts.reduce((a, b) => a + b, 0),
      100,
    );
  });

  test('all equal samples: nothing to clip', () => {
    const h = clippedHistogram([50, 50, 50]);
    assert.equal(h.clipAt, null);
    assert.deepEqual(h.counts, [3]);
  });
});
