/**
 * Judging benchmark statistics against a bundle baseline: pass within the tolerance, warn within
 * twice it, fail beyond; no-baseline when the bundle has none for the hardware class.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineFor, judge } from '../../core/bench/baseline.js';
import type { LatencyStats } from '../../core/bench/stats.js';
import type { LatencyBaseline } from '../../core/bundle/manifest.js';

const baseline: LatencyBaseline = { hardwareClass: 'EdgeBox X1', p50Ms: 0.1, p99Ms: 0.2, tolerancePct: 25 };

function stats(p50: number, p99: number): LatencyStats {
  return {
    count: 100,
    min: p50 / 2,
    max: p99,
    mean: p50,
    stdDev: 1,
    p50,
    p90: p50,
    p99,
    p999: p99,
    throughputPerSec: 1e6 / p50,
    cv: 0.01,
    outliers: 0,
  };
}

describe('judge', () => {
  test('within the tolerance (or faster) passes, with a reason per figure', () => {
    const j = judge(stats(110, 250), baseline, 'EdgeBox X1');
    assert.equal(j.verdict, 'pass');
    assert.equal(j.reasons.length, 2);
    assert.match(j.reasons[0]!, /^median \(p50\) 110 µs, 10% slower than the baseline 100 µs \(allowed: up to 25% slower\) — OK$/);
    assert.match(j.reasons[1]!, /^p99 250 µs, 25% slower/);
    assert.equal(judge(stats(50, 100), baseline, 'EdgeBox X1').verdict, 'pass');
    assert.match(judge(stats(50, 100), baseline, 'EdgeBox X1').reasons[0]!, /at or faster than the baseline/);
  });

  test('within twice the tolerance warns and says what to check', () => {
    const j = judge(stats(140, 200), baseline, 'EdgeBox X1');
    assert.equal(j.verdict, 'warn');
    assert.match(j.reasons[0]!, /40% slower .*beyond the 25% allowed but within 50%.*load, heat or power saving/);
  });

  test('beyond twice the tolerance fails; the worse figure decides', () => {
    const j = judge(stats(140, 400), baseline, 'EdgeBox X1');
    assert.equal(j.verdict, 'fail');
    assert.match(
      j.reasons[1]!,
      /^p99 400 µs, 100% slower .*more than 50% slower — this gateway does not run the model as fast as it should/,
    );
  });

  test('exactly at the limits: 25% is pass, 50% is warn', () => {
    assert.equal(judge(stats(125, 200), baseline, 'EdgeBox X1').verdict, 'pass');
    assert.equal(judge(stats(150, 200), baseline, 'EdgeBox X1').verdict, 'warn');
    assert.equal(judge(stats(150.01, 200), baseline, 'EdgeBox X1').verdict, 'fail');
  });

  test('no baseline, or one for other hardware: no-baseline with the reason', () => {
    const none = judge(stats(100, 200), undefined, 'Sentinel S3');
    assert.equal(none.verdict, 'no-baseline');
    assert.match(none.reasons[0]!, /no latency baseline for Sentinel S3/);
    const other = judge(stats(100, 200), baseline, 'Sentinel S3');
    assert.equal(other.verdict, 'no-baseline');
    assert.match(other.reasons[0]!, /baseline is for EdgeBox X1, but this gateway is Sentinel S3/);
  });
});

describe('baselineFor', () => {
  test('finds the hardware class ignoring case and spaces around it', () => {
    const list = [baseline, { ...baseline, hardwareClass: 'Sentinel S3', p50Ms: 0.05 }];
    assert.equal(baselineFor(list, 'sentinel s3 ')?.p50Ms, 0.05);
    assert.equal(baselineFor(list, 'Orchard O1'), undefined);
    assert.equal(baselineFor(undefined, 'EdgeBox X1'), undefined);
  });
});
