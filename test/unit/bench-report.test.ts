/**
 * The benchmark report file: the statistics and the verdict with its reasons, the charts as
 * inline SVG, the diagnosis, nothing external, and every string from outside escaped.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BenchRunDetail, DiagnosisRecord } from '../../core/api/schemas.js';
import { benchReportFileName, buildBenchReport } from '../../core/bench/report.js';
import { renderBenchReportHtml } from '../../core/bench/report-html.js';
import { computeStats } from '../../core/bench/stats.js';

const HOSTILE = '<script>alert("x")</script>';
const samplesUs = [...Array.from({ length: 3000 }, (_, i) => 100 + (i % 50)), 90_000, 95_000, 99_000];

function run(overrides: Partial<BenchRunDetail> = {}): BenchRunDetail {
  return {
    id: 'ab'.repeat(16),
    deviceId: 'cd'.repeat(32),
    deviceName: `gw ${HOSTILE}`,
    hardwareClass: 'EdgeBox X1',
    model: { name: `Classifier ${HOSTILE}`, version: '1.0.0', sha256: 'ef'.repeat(32) },
    settings: { warmup: 10, iterations: 3003, threads: null, profile: true },
    run: {
      iterations: 3003,
      loadMs: 12.5,
      peakRssBytes: 64 * 1024 * 1024,
      executionProvider: 'cpu',
      providers: ['cpu'],
      cancelled: false,
      profile: [{ op: 'Gemm', name: `dense_1 ${HOSTILE}`, totalUs: 30_000, count: 3003 }],
    },
    stats: computeStats(samplesUs),
    verdict: 'fail',
    reasons: [`p99 812 µs, 500% slower than the baseline ${HOSTILE}`],
    baselineBundle: { id: '01'.repeat(32), label: 'Classifier 1.0.0' },
    createdAt: Date.UTC(2026, 10, 26, 8, 0, 0),
    samplesUs,
    ...overrides,
  };
}

const diagnosis: DiagnosisRecord = {
  id: '12'.repeat(16),
  deviceId: 'cd'.repeat(32),
  deviceName: 'gw',
  bundleId: '01'.repeat(32),
  bundleLabel: `Classifier 1.0.0 ${HOSTILE}`,
  verdict: 'wrong-model',
  ok: false,
  explanation: `outputs differ beyond tolerance on 3/3 inputs — ${HOSTILE}`,
  cases: 3,
  failedCases: 3,
  comparisons: [
    {
      case: 'case-1',
      output: 'probabilities',
      ok: false,
      maxAbs: 0.5,
      maxRel: null,
      cosine: 0.2,
      topK: { k: 1, agree: false },
      message: HOSTILE,
    },
  ],
  bundleModelSha256: '34'.repeat(32),
  gatewayModelSha256: 'ef'.repeat(32),
  notes: [],
  createdAt: Date.UTC(2026, 10, 26, 9, 0, 0),
};

describe('bench report', () => {
  const report = buildBenchReport({ run: run(), diagnosis, appVersion: '0.1.0', now: Date.UTC(2026, 10, 26, 10, 0, 0) });
  const html = renderBenchReportHtml(report);

  test('carries the statistics in one unit rule, the verdict and its reasons, and the diagnosis', () => {
    assert.match(html, /<th scope="row">p50 \(median\)<\/th><td class="num">1\d\d µs<\/td>/);
    assert.match(html, /<th scope="row">Maximum<\/th><td class="num">99\.0 ms<\/td>/);
    assert.match(html, /FAIL — slower than the baseline allows/);
    assert.match(html, /p99 812 µs, 500% slower than the baseline &lt;script&gt;/);
    assert.match(html, /FAIL — the model on the gateway is not the one in the bundle/);
    assert.match(html, /0 of 3 agree/);
    assert.match(html, /Per-operator profile/);
    assert.match(html, /report made 2026-11-26T10:00:00\.000Z by Fieldline 0\.1\.0/);
  });

  test('charts are inline SVG and the histogram ends at p99.9, saying what it leaves out', () => {
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.match(html, /3 samples above 149 µs not shown/);
  });

  test('self-contained: no script, no external reference, no style attribute', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\b(src|href)=/i);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    assert.doesNotMatch(html, / style="/);
  });

  test('every hostile string is escaped', () => {
    assert.ok(html.includes('Classifier &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
    assert.ok(html.includes('gw &lt;script&gt;'));
    assert.ok(html.includes('dense_1 &lt;script&gt;'));
    assert.equal(html.split('<script').length, 1);
  });

  test('a cancelled run says so; no diagnosis says so; a duration run shows its duration', () => {
    const cancelled = renderBenchReportHtml(
      buildBenchReport({
        run: run({ settings: { warmup: 0, iterations: null, durationMs: 30_000, threads: 2 }, run: { ...run().run, cancelled: true } }),
        diagnosis: null,
        appVersion: '0.1.0',
        now: 0,
      }),
    );
    assert.match(cancelled, /The run was cancelled: the figures cover the 3003 inferences measured before it stopped/);
    assert.match(cancelled, /duration 30\.0 s/);
    assert.match(cancelled, /No diagnosis of this gateway is stored/);
  });

  test('the JSON report keeps the raw samples; file names are safe', () => {
    assert.equal(report.format, 'fieldline.bench-report/v1');
    assert.equal(report.run.samplesUs.length, 3003);
    const name = benchReportFileName(report, 'html');
    assert.match(name, /^fieldline-bench-abababab-[a-z0-9.-]+\.html$/);
  });
});
