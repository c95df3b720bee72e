/**
 * Latency statistics against hand-computed fixtures (nearest-rank percentiles, sample standard
 * deviation, Tukey's upper fence), including one sample, all-equal samples and bad input.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStats, nearestRank } from '../../core/bench/stats.js';

function close(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `${label}: ${actual} ≠ ${expected}`);
}

describe('computeStats', () => {
  test('1..10 shuffled: nearest-rank percentiles, sample standard deviation, no outliers', () => {
    const s = computeStats([7, 3, 10, 1, 5, 9, 2, 8, 6, 4]);
    assert.equal(s.count, 10);
    assert.equal(s.min, 1);
    assert.equal(s.max, 10);
    close(s.mean, 5.5, 'mean');
    // Σ(x − 5.5)² = 82.5; / (n − 1) = 9.1666…
    close(s.stdDev, Math.sqrt(82.5 / 9), 'stdDev');
    assert.equal(s.p50, 5, 'rank ⌈0.5·10⌉ = 5');
    assert.equal(s.p90, 9, 'rank ⌈0.9·10⌉ = 9');
    assert.equal(s.p99, 10, 'rank ⌈9.9⌉ = 10');
    assert.equal(s.p999, 10);
    close(s.throughputPerSec, 1_000_000 / 5.5, 'throughput');
    close(s.cv, Math.sqrt(82.5 / 9) / 5.5, 'cv');
    assert.equal(s.outliers, 0, 'Q1 = 3, Q3 = 8, fence 15.5');
  });

  test('one slow spike above Q3 + 1.5·IQR is the one outlier', () => {
    const s = computeStats([10, 10, 10, 10, 100, 10, 10, 10, 10, 10]);
    close(s.mean, 19, 'mean');
    // 9·(−9)² + 81² = 729 + 6561 = 7290; / 9 = 810
    close(s.stdDev, Math.sqrt(810), 'stdDev');
    assert.equal(s.p50, 10);
    assert.equal(s.p90, 10);
    assert.equal(s.p99, 100);
    assert.equal(s.max, 100);
    assert.equal(s.outliers, 1, 'Q1 = Q3 = 10, fence 10: only 100 is above');
  });

  test('1..1000: p50 500, p90 900, p99 990, p99.9 999', () => {
    const s = computeStats(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    assert.deepEqual([s.p50, s.p90, s.p99, s.p999], [500, 900, 990, 999]);
    close(s.mean, 500.5, 'mean');
  });

  test('one sample: every figure is that sample, spread 0', () => {
    const s = computeStats([42]);
    assert.deepEqual(
      { ...s },
      {
        count: 1,
        min: 42,
        max: 42,
        mean: 42,
        stdDev: 0,
        p50: 42,
        p90: 42,
        p99: 42,
        p999: 42,
        throughputPerSec: 1_000_000 / 42,
        cv: 0,
        outliers: 0,
      },
    );
  });

  test('all equal: no spread and no outliers', () => {
    const s = computeStats(new Float64Array([7, 7, 7, 7, 7]));
    assert.equal(s.stdDev, 0);
    assert.equal(s.cv, 0);
    assert.equal(s.outliers, 0);
    assert.deepEqual([s.min, s.p50, s.p99, s.p999, s.max], [7, 7, 7, 7, 7]);
    close(s.throughputPerSec, 1_000_000 / 7, 'throughput');
  });

  test('the input is not reordered', () => {
    const samples = new Float64Array([3, 1, 2]);
    computeStats(samples);
    assert.deepEqual([...samples], [3, 1, 2]);
  });

  test('no samples, NaN or a negative latency are refused with the reason', () => {
    assert.throws(() => computeStats([]), /no latency samples/);
    assert.throws(() => computeStats([1, Number.NaN]), /sample 2 is NaN/);
    assert.throws(() => computeStats([1, -3]), /sample 2 is -3/);
    assert.throws(() => nearestRank([1], 101), /from 0 to 100/);
  });

  test('nearestRank: p0 is the minimum, p100 the maximum', () => {
    assert.equal(nearestRank([1, 2, 3, 4], 0), 1);
    assert.equal(nearestRank([1, 2, 3, 4], 100), 4);
    assert.equal(nearestRank([1, 2, 3, 4], 25), 1);
    assert.equal(nearestRank([1, 2, 3, 4], 26), 2);
  });
});
