/**
 * Engine `bench.cancel`, the run flags and `bench.export`, against a real agent over TLS with
 * the demo classifier flashed onto it: a long duration run cancelled midway (by gateway or by
 * the run id of its progress) is stored as cancelled with its partial samples; a profiled run
 * keeps its per-operator profile; a provider the gateway lacks is refused with its reason; the
 * exported report carries the run and the gateway's latest diagnosis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import type {
  BenchCancelResult,
  BenchExport,
  BenchProgress,
  BenchRunDetail,
  BundleSummary,
  Device,
  DiagnosisRecord,
  FlashJob,
} from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import type { DemoBundleSet } from '../../cli/demo-bundles.js';
import { addressOf, demoBundles, finished, ok, seedProfile, startGateway } from './flash-support.js';

const MODEL = { name: 'Fieldline Demo Classifier', version: '1.0.0' };

describe('engine bench.cancel, run flags and bench.export', { timeout: 240_000 }, () => {
  let dir: string;
  let bundles: DemoBundleSet;
  let agent: RunningAgent;
  let engine: Engine;
  let modelBundle: BundleSummary;
  const listeners = new Set<(p: BenchProgress) => void>();

  /** Resolves with the first progress event of a run on the test gateway. */
  const firstProgress = (): Promise<BenchProgress> =>
    new Promise((resolve) => {
      const on = (p: BenchProgress): void => {
        if (p.deviceId !== agent.id) return;
        listeners.delete(on);
        resolve(p);
      };
      listeners.add(on);
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-bench-cancel-'));
    const appDir = join(dir, 'app');
    seedProfile(appDir);
    bundles = await demoBundles(dir, 64 * 1024);
    agent = await startGateway(dir, 'bench-cancel-gw');
    engine = await createEngine({ dataDir: appDir, host: 'cli' });
    engine.subscribe((event, data) => {
      if (event === 'bench.progress') for (const l of [...listeners]) l(data as BenchProgress);
    });
    modelBundle = await ok<BundleSummary>(engine, 'bundles.import', { path: bundles.model.file });
    await ok<Device>(engine, 'devices.add', { address: addressOf(agent) });
    const job = await ok<FlashJob>(engine, 'flash.start', { bundleId: modelBundle.id, deviceIds: [agent.id] });
    assert.equal((await finished(engine, job.id)).state, 'succeeded', 'the demo classifier is flashed');
  });

  after(async () => {
    await engine?.close();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a long duration run cancelled midway by gateway is stored as cancelled with its partial samples', async () => {
    const started = firstProgress();
    const running = ok<BenchRunDetail>(engine, 'bench.run', { deviceId: agent.id, model: MODEL, warmup: 0, durationMs: 600_000 });
    const first = await started;
    assert.equal(first.total, null, 'a duration run has no known total');
    const busy = await dispatch(engine.handlers, 'bench.run', { deviceId: agent.id, model: MODEL, iterations: 10 });
    assert.ok(!busy.ok && busy.error.code === 'bench_busy', 'a second run on the same gateway is refused');

    const cancelled = await ok<BenchCancelResult>(engine, 'bench.cancel', { deviceId: agent.id });
    assert.deepEqual(cancelled, { deviceId: agent.id, runId: first.runId, cancelled: true });
    const run = await running;
    assert.equal(run.run.cancelled, true);
    assert.ok(run.run.iterations >= first.done && run.run.iterations > 0, `partial samples: ${run.run.iterations}`);
    assert.equal(run.samplesUs.length, run.run.iterations);
    assert.equal(run.stats.count, run.run.iterations);
    assert.deepEqual(run.settings, { warmup: 0, iterations: null, threads: null, durationMs: 600_000 });

    const stored = await ok<BenchRunDetail>(engine, 'bench.get', { id: run.id });
    assert.equal(stored.run.cancelled, true);
    assert.equal(stored.samplesUs.length, run.run.iterations);
    // Nothing runs any more: cancelling again says so.
    assert.deepEqual(await ok<BenchCancelResult>(engine, 'bench.cancel', { deviceId: agent.id }), {
      deviceId: agent.id,
      runId: null,
      cancelled: false,
    });
  });

  test('cancel by the run id the progress events carry; an unknown run id is refused', async () => {
    const started = firstProgress();
    const running = ok<BenchRunDetail>(engine, 'bench.run', { deviceId: agent.id, model: MODEL, warmup: 0, iterations: 100_000 });
    const { runId } = await started;
    const cancelled = await ok<BenchCancelResult>(engine, 'bench.cancel', { runId });
    assert.equal(cancelled.cancelled, true);
    const run = await running;
    assert.equal(run.run.cancelled, true);
    assert.ok(run.run.iterations < 100_000);
    assert.equal(run.settings.iterations, 100_000);

    const unknown = await dispatch(engine.handlers, 'bench.cancel', { runId: 'feedfeedfeedfeed' });
    assert.ok(!unknown.ok && unknown.error.code === 'unknown_bench_run');
    const empty = await dispatch(engine.handlers, 'bench.cancel', {});
    assert.ok(!empty.ok && empty.error.code === 'invalid_params' && /deviceId or the runId/.test(empty.error.message));
  });

  test('profile and execution provider reach the gateway; a provider it lacks is refused with the reason', async () => {
    const run = await ok<BenchRunDetail>(engine, 'bench.run', {
      deviceId: agent.id,
      model: MODEL,
      warmup: 1,
      iterations: 20,
      executionProvider: 'cpu',
      profile: true,
    });
    assert.equal(run.run.executionProvider, 'cpu');
    assert.deepEqual(run.settings, { warmup: 1, iterations: 20, threads: null, executionProvider: 'cpu', profile: true });
    const ops = new Set((run.run.profile ?? []).map((p) => p.op));
    assert.ok(ops.has('Softmax'), `profile has Softmax: ${[...ops].join(', ')}`);
    assert.ok((await ok<BenchRunDetail>(engine, 'bench.get', { id: run.id })).run.profile?.length, 'the profile is stored');

    const cuda = await dispatch(engine.handlers, 'bench.run', { deviceId: agent.id, model: MODEL, executionProvider: 'cuda' });
    assert.ok(!cuda.ok);
    assert.equal(cuda.error.code, 'provider_unavailable');
    assert.match(cuda.error.message, /"cuda" is not available on this gateway; it has cpu/);
    const both = await dispatch(engine.handlers, 'bench.run', { deviceId: agent.id, model: MODEL, iterations: 5, durationMs: 5 });
    assert.ok(!both.ok && both.error.code === 'invalid_params');
  });

  test('bench.export: the run with its statistics and verdict, and the latest diagnosis of that model, as HTML or JSON', async () => {
    const run = await ok<BenchRunDetail>(engine, 'bench.run', { deviceId: agent.id, model: MODEL, warmup: 1, iterations: 30 });
    const diagnosis = await ok<DiagnosisRecord>(engine, 'diagnose.run', { deviceId: agent.id, bundleId: modelBundle.id });
    assert.equal(diagnosis.verdict, 'pass');
    const html = await ok<BenchExport>(engine, 'bench.export', { id: run.id });
    assert.equal(html.format, 'html');
    assert.equal(html.mediaType, 'text/html; charset=utf-8');
    assert.match(
      html.fileName,
      new RegExp(`^fieldline-bench-${run.id.slice(0, 8)}-fieldline-demo-classifier-1\\.0\\.0-bench-cancel-gw\\.html$`),
    );
    assert.match(html.content, /Benchmark report — Fieldline Demo Classifier 1\.0\.0 on bench-cancel-gw/);
    assert.match(html.content, /Statistics \(30 timed inferences\)/);
    assert.ok(html.content.includes(`data-verdict="${run.verdict}"`));
    for (const reason of run.reasons) assert.ok(html.content.includes(reason.replace(/</g, '&lt;')), reason);
    assert.ok(html.content.includes(`data-diagnosis-id="${diagnosis.id}"`), 'the latest diagnosis is in the report');
    assert.doesNotMatch(html.content, /<script/);

    const json = await ok<BenchExport>(engine, 'bench.export', { id: run.id, format: 'json' });
    const parsed = JSON.parse(json.content) as { format: string; run: BenchRunDetail; diagnosis: DiagnosisRecord };
    assert.equal(parsed.format, 'fieldline.bench-report/v1');
    assert.equal(parsed.run.samplesUs.length, 30);
    assert.equal(parsed.diagnosis.id, diagnosis.id);
    const missing = await dispatch(engine.handlers, 'bench.export', { id: '0'.repeat(32) });
    assert.ok(!missing.ok && missing.error.code === 'unknown_bench_run');
  });
});
