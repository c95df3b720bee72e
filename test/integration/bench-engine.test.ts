/**
 * Benchmarks and diagnostics through the engine API, against a real agent with the demo
 * classifier flashed onto it: a run is stored with its raw samples, listed newest first without
 * them, read back with them; diagnosing against the right library bundle passes and is stored,
 * against the wrong variant it is stored as a failure with its explanation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { BenchProgress, BenchRun, BenchRunDetail, BundleSummary, Device, DiagnosisRecord, FlashJob } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { openDatabase } from '../../core/store/database.js';
import type { DemoBundleSet } from '../../cli/demo-bundles.js';
import { addressOf, demoBundles, finished, ok, seedProfile, startGateway } from './flash-support.js';

describe('engine bench.* and diagnose.*', () => {
  let dir: string;
  let appDir: string;
  let bundles: DemoBundleSet;
  let agent: RunningAgent;
  let engine: Engine;
  let modelBundle: BundleSummary;
  let wrongBundle: BundleSummary;
  const progress: BenchProgress[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-bench-engine-'));
    appDir = join(dir, 'app');
    seedProfile(appDir);
    bundles = await demoBundles(dir, 64 * 1024);
    agent = await startGateway(dir, 'bench-engine-gw');
    engine = await createEngine({ dataDir: appDir, host: 'cli' });
    engine.subscribe((event, data) => {
      if (event === 'bench.progress') progress.push(data as BenchProgress);
    });
    modelBundle = await ok<BundleSummary>(engine, 'bundles.import', { path: bundles.model.file });
    wrongBundle = await ok<BundleSummary>(engine, 'bundles.import', { path: bundles.wrongModel.file });
    assert.equal(modelBundle.status, 'verified');
    assert.equal(wrongBundle.status, 'verified');
    await ok<Device>(engine, 'devices.add', { address: addressOf(agent) });
    const job = await ok<FlashJob>(engine, 'flash.start', { bundleId: modelBundle.id, deviceIds: [agent.id] });
    assert.equal((await finished(engine, job.id)).state, 'succeeded', 'the demo classifier is flashed');
  });

  after(async () => {
    await engine?.close();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('bench.run stores the run with its samples; bench.list lists it newest first; bench.get returns the samples', async () => {
    const first = await ok<BenchRunDetail>(engine, 'bench.run', {
      deviceId: agent.id,
      model: { name: 'Fieldline Demo Classifier', version: '1.0.0' },
      warmup: 2,
      iterations: 40,
    });
    assert.equal(first.deviceId, agent.id);
    assert.equal(first.deviceName, 'bench-engine-gw');
    assert.equal(first.hardwareClass, 'EdgeBox X1');
    assert.deepEqual(first.settings, { warmup: 2, iterations: 40, threads: null });
    assert.equal(first.run.iterations, 40);
    assert.equal(first.run.cancelled, false);
    assert.equal(first.samplesUs.length, 40);
    assert.equal(first.stats.count, 40);
    assert.equal(first.stats.min, Math.min(...first.samplesUs));
    assert.equal(first.stats.max, Math.max(...first.samplesUs));
    assert.deepEqual(first.baselineBundle, { id: modelBundle.id, label: 'Fieldline Demo Classifier 1.0.0' });
    // The figures depend on the machine; that a baseline judged them does not.
    assert.ok(['pass', 'warn', 'fail'].includes(first.verdict), first.verdict);
    assert.equal(first.reasons.length, 2);
    assert.ok(
      progress.some((p) => p.deviceId === agent.id),
      'bench.progress was relayed from the gateway',
    );

    // By hash this time, so the second run is the newest.
    const second = await ok<BenchRunDetail>(engine, 'bench.run', {
      deviceId: agent.id,
      model: { sha256: first.model.sha256 },
      iterations: 10,
    });
    assert.equal(second.model.name, 'Fieldline Demo Classifier');
    assert.deepEqual(second.settings, { warmup: 10, iterations: 10, threads: null });

    const listed = await ok<BenchRun[]>(engine, 'bench.list', { deviceId: agent.id });
    assert.deepEqual(
      listed.map((r) => r.id),
      [second.id, first.id],
    );
    assert.ok(
      listed.every((r) => !('samplesUs' in r)),
      'lists leave the raw samples out',
    );
    assert.deepEqual(await ok<BenchRun[]>(engine, 'bench.list', { deviceId: 'ab'.repeat(32) }), []);

    const got = await ok<BenchRunDetail>(engine, 'bench.get', { id: first.id });
    assert.deepEqual(got.samplesUs, first.samplesUs);
    assert.deepEqual(got.stats, first.stats);
    assert.equal(got.verdict, first.verdict);

    // On disk: the raw samples as Float64 LE, as measured.
    const db = openDatabase(appDir);
    try {
      const row = db.prepare('SELECT samples, model_sha256 FROM bench_runs WHERE id = ?').get(first.id) as {
        samples: Buffer;
        model_sha256: string;
      };
      assert.equal(row.samples.byteLength, 40 * 8);
      assert.equal(row.samples.readDoubleLE(8), first.samplesUs[1]);
      assert.equal(row.model_sha256, first.model.sha256);
    } finally {
      db.close();
    }
  });

  test('bench.run with a model the gateway does not have, or an unknown run id: clear errors', async () => {
    const missing = await dispatch(engine.handlers, 'bench.run', { deviceId: agent.id, model: { name: 'No Such Model', version: '1' } });
    assert.equal(missing.ok, false);
    assert.ok(!missing.ok && missing.error.code === 'model_not_installed');
    assert.match(
      !missing.ok ? missing.error.message : '',
      /bench-engine-gw has no installed model No Such Model 1; it has Fieldline Demo Classifier 1\.0\.0/,
    );
    const unknown = await dispatch(engine.handlers, 'bench.get', { id: '0'.repeat(32) });
    assert.ok(!unknown.ok && unknown.error.code === 'unknown_bench_run');
    const bad = await dispatch(engine.handlers, 'bench.run', { deviceId: agent.id, model: { name: 'x', version: '1' }, iterations: 0 });
    assert.ok(!bad.ok && bad.error.code === 'invalid_params');
  });

  test('diagnose.run against the right bundle passes and is stored; against the wrong variant it fails with the reason', async () => {
    const good = await ok<DiagnosisRecord>(engine, 'diagnose.run', { deviceId: agent.id, bundleId: modelBundle.id });
    assert.equal(good.verdict, 'pass');
    assert.equal(good.ok, true);
    assert.equal(good.cases, 3);
    assert.equal(good.failedCases, 0);
    assert.equal(good.bundleLabel, 'Fieldline Demo Classifier 1.0.0');
    assert.ok(good.comparisons.length === 3 && good.comparisons.every((c) => c.ok));
    assert.equal(good.gatewayModelSha256, good.bundleModelSha256);

    const wrong = await ok<DiagnosisRecord>(engine, 'diagnose.run', { deviceId: agent.id, bundleId: wrongBundle.id });
    assert.equal(wrong.verdict, 'wrong-model');
    assert.equal(wrong.failedCases, 3);
    assert.match(wrong.explanation, /the model on the gateway is not the one in the bundle/);

    const listed = await ok<DiagnosisRecord[]>(engine, 'diagnose.list', { deviceId: agent.id });
    assert.deepEqual(
      listed.map((d) => [d.id, d.verdict]),
      [
        [wrong.id, 'wrong-model'],
        [good.id, 'pass'],
      ],
    );
    assert.deepEqual(listed[1], good, 'the stored record reads back as it was returned');
  });
});
