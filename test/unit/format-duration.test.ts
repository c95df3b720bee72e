/**
 * One unit rule for durations everywhere: core/api/format-duration.ts (verdict sentences,
 * reports, CLI) and the renderer's tables and chart axes, which use the same function.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration } from '../../core/api/format-duration.js';
import { judge } from '../../core/bench/baseline.js';
import type { LatencyStats } from '../../core/bench/stats.js';
import { statRows } from '../../renderer/bench/format.js';

describe('formatDuration', () => {
  test('µs below 1 ms, ms below 1 s, s above, three significant digits', () => {
    assert.equal(formatDuration(0), '0 µs');
    assert.equal(formatDuration(0.5), '0.50 µs');
    assert.equal(formatDuration(8.1), '8.10 µs');
    assert.equal(formatDuration(81.25), '81.3 µs');
    assert.equal(formatDuration(812.3), '812 µs');
    assert.equal(formatDuration(1500), '1.50 ms');
    assert.equal(formatDuration(15_000), '15.0 ms');
    assert.equal(formatDuration(150_000), '150 ms');
    assert.equal(formatDuration(2_500_000), '2.50 s');
    assert.equal(formatDuration(7_200_000_000), '7200 s');
  });

  test('rounding up to the next unit changes the unit, not the digits', () => {
    assert.equal(formatDuration(999.7), '1.00 ms');
    assert.equal(formatDuration(999_700), '1.00 s');
    assert.equal(formatDuration(999.4), '999 µs');
  });

  test('not a number, or infinite, is a dash', () => {
    assert.equal(formatDuration(Number.NaN), '—');
    assert.equal(formatDuration(Infinity), '—');
  });

  test('the verdict sentence and the statistics table write the same p50 the same way', () => {
    const stats: LatencyStats = {
      count: 10,
      min: 7,
      max: 9,
      mean: 8.1,
      stdDev: 0.5,
      p50: 8.1,
      p90: 9,
      p99: 9,
      p999: 9,
      throughputPerSec: 123_456,
      cv: 0.06,
      outliers: 0,
    };
    const reason = judge(stats, { hardwareClass: 'EdgeBox X1', p50Ms: 0.008, p99Ms: 0.01, tolerancePct: 25 }, 'EdgeBox X1').reasons[0]!;
    const p50 = statRows(stats).find((r) => r.key === 'p50')!.value;
    assert.equal(p50, '8.10 µs');
    assert.match(reason, /^median \(p50\) 8\.10 µs, 1% slower than the baseline 8\.00 µs/);
  });
});
