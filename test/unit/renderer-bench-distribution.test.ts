/**
 * The Benchmark view's pure logic: histogram bins and CDF points from latency samples (µs).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { binCount, cdf, histogram, thinCdf } from '../../renderer/bench/distribution.js';

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
