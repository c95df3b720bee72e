/**
 * Flash jobs through the engine's validated API, against real agents on loopback: plan, the
 * whole step sequence on two gateways (OS image, then model), ten at once with one failing its
 * health check (rolled back by itself, the nine others succeed), an incompatible gateway skipped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { BundleSummary, Device, FlashJob, FlashPlan, FlashProgress } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import type { DemoBundleSet } from '../../cli/demo-bundles.js';
import { addressOf, demoBundles, finished, ok, openAuthenticated, seedProfile, startGateway } from './flash-support.js';

const FULL_OS_SEQUENCE = ['preflight', 'transfer', 'verify', 'install', 'activate', 'health', 'confirm', 'done'];

describe('flash jobs', () => {
  let dir: string;
  let engine: Engine;
  let bundles: DemoBundleSet;
  let osBundle: BundleSummary;
  let modelBundle: BundleSummary;
  const agents: RunningAgent[] = [];
  const progress: FlashProgress[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-flash-jobs-'));
    bundles = await demoBundles(dir, 1024 * 1024);
    const appDir = join(dir, 'app');
    seedProfile(appDir);
    engine = await createEngine({ dataDir: appDir, host: 'cli' });
    engine.subscribe((event, data) => {
      if (event === 'flash.progress') progress.push(data as FlashProgress);
    });
    osBundle = await ok<BundleSummary>(engine, 'bundles.import', { path: bundles.osImage.file });
    modelBundle = await ok<BundleSummary>(engine, 'bundles.import', { path: bundles.model.file });
    assert.equal(osBundle.status, 'verified');
    assert.equal(modelBundle.status, 'verified');
  });

  after(async () => {
    await engine?.close();
    await Promise.all(agents.map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function gateways(prefix: string, count: number, options: Parameters<typeof startGateway>[2] = {}): Promise<RunningAgent[]> {
    const started = await Promise.all(Array.from({ length: count }, (_, i) => startGateway(dir, `${prefix}-${i}`, options)));
    agents.push(...started);
    for (const agent of started) await ok<Device>(engine, 'devices.add', { address: addressOf(agent) });
    return started;
  }

  test('two gateways: the OS image goes through every step, then the model', async () => {
    const gws = await gateways('pair', 2);
    const ids = gws.map((g) => g.id);

    const plan = await ok<FlashPlan>(engine, 'flash.plan', { bundleId: osBundle.id, deviceIds: ids });
    assert.deepEqual(
      plan.targets.map((t) => [t.compatible, t.fromVersion, t.toVersion]),
      [
        [true, '0.9.0', '1.0.0'],
        [true, '0.9.0', '1.0.0'],
      ],
    );

    const started = await ok<FlashJob>(engine, 'flash.start', { bundleId: osBundle.id, deviceIds: ids });
    assert.equal(started.state, 'running');
    const job = await finished(engine, started.id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.targets.map((t) => t.error)));
    for (const target of job.targets) {
      assert.equal(target.state, 'succeeded');
      assert.equal(target.step, 'done');
      assert.equal(target.bytesSent, osBundle.size);
      assert.equal(target.fromVersion, '0.9.0');
      assert.equal(target.toVersion, '1.0.0');
      assert.equal(target.rollback, null);
      const okSteps = job.steps.filter((s) => s.deviceId === target.deviceId && s.outcome === 'ok').map((s) => s.step);
      assert.deepEqual(okSteps, FULL_OS_SEQUENCE);
    }
    for (const gw of gws) {
      const session = await openAuthenticated(gw);
      try {
        assert.equal(session.descriptor.firmware.version, '1.0.0');
        assert.equal(session.descriptor.firmware.activeSlot, 'b');
        assert.equal(session.descriptor.slots.find((s) => s.name === 'b')?.state, 'active');
      } finally {
        await session.close();
      }
    }
    const seen = progress.filter((p) => p.jobId === started.id);
    assert.ok(seen.some((p) => p.target.step === 'transfer'));
    assert.ok(seen.some((p) => p.target.step === 'health'));
    assert.equal(seen.at(-1)?.jobState, 'succeeded');

    const modelJob = await finished(engine, (await ok<FlashJob>(engine, 'flash.start', { bundleId: modelBundle.id, deviceIds: ids })).id);
    assert.equal(modelJob.state, 'succeeded', JSON.stringify(modelJob.targets.map((t) => t.error)));
    for (const gw of gws) {
      const session = await openAuthenticated(gw);
      try {
        assert.ok(session.descriptor.models.some((m) => m.name === bundles.model.manifest.name && m.version === '1.0.0'));
      } finally {
        await session.close();
      }
    }
    const listed = await ok<FlashJob[]>(engine, 'flash.list');
    assert.deepEqual(
      listed.slice(0, 2).map((j) => j.id),
      [modelJob.id, started.id],
    );
  });

  test('ten gateways, one failing its health check: nine succeed, the tenth rolls back by itself and says so', async () => {
    const good = await gateways('fleet', 9);
    const [bad] = await gateways('sick', 1, { faults: { failHealth: true } });
    const ids = [...good, bad!].map((g) => g.id);
    const job = await finished(
      engine,
      (await ok<FlashJob>(engine, 'flash.start', { bundleId: osBundle.id, deviceIds: ids, parallel: 4 })).id,
    );
    assert.equal(job.state, 'failed');
    const byId = new Map(job.targets.map((t) => [t.deviceId, t]));
    for (const gw of good) assert.equal(byId.get(gw.id)?.state, 'succeeded', JSON.stringify(byId.get(gw.id)?.error));
    const sick = byId.get(bad!.id)!;
    assert.equal(sick.state, 'failed');
    assert.equal(sick.error?.code, 'health_failed');
    assert.equal(sick.rollback, 'rolled-back-by-gateway');
    const trail = job.steps.filter((s) => s.deviceId === bad!.id).map((s) => `${s.step}:${s.outcome}`);
    assert.ok(trail.includes('activate:failed') || trail.includes('health:failed'), trail.join(' '));
    assert.ok(trail.includes('rollback:ok'), trail.join(' '));
    const session = await openAuthenticated(bad!);
    try {
      assert.equal(session.descriptor.firmware.version, '0.9.0', 'the gateway is back on its old slot');
      assert.equal(session.descriptor.firmware.activeSlot, 'a');
    } finally {
      await session.close();
    }
  });

  test('an incompatible gateway is shown with the reason in the plan and skipped by the job', async () => {
    const [fits] = await gateways('fits', 1);
    const [other] = await gateways('other-hw', 1, { model: 'Toaster T1', hardwareRevision: 'rev-z' });
    const ids = [fits!.id, other!.id];
    const plan = await ok<FlashPlan>(engine, 'flash.plan', { bundleId: osBundle.id, deviceIds: ids });
    const refused = plan.targets.find((t) => t.deviceId === other!.id)!;
    assert.equal(refused.compatible, false);
    assert.match(refused.reason?.message ?? '', /Toaster T1/);
    const job = await finished(engine, (await ok<FlashJob>(engine, 'flash.start', { bundleId: osBundle.id, deviceIds: ids })).id);
    const skipped = job.targets.find((t) => t.deviceId === other!.id)!;
    assert.equal(skipped.state, 'skipped');
    assert.equal(skipped.error?.code, refused.reason?.code);
    assert.equal(skipped.bytesSent, 0);
    assert.equal(job.targets.find((t) => t.deviceId === fits!.id)?.state, 'succeeded');
    assert.equal(job.state, 'failed');
  });

  test('a chunk corrupted on the gateway: device verify fails, the job sends it again and succeeds', async () => {
    const [gw] = await gateways('corrupt', 1, { faults: { corruptChunkAt: 100_000 } });
    const job = await finished(engine, (await ok<FlashJob>(engine, 'flash.start', { bundleId: osBundle.id, deviceIds: [gw!.id] })).id);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.targets[0]?.error));
    const trail = job.steps.map((s) => `${s.step}:${s.outcome}`);
    const failedVerify = trail.indexOf('verify:failed');
    assert.ok(failedVerify >= 0, trail.join(' '));
    assert.match(job.steps[failedVerify]!.detail ?? '', /sending the artifact again/);
    assert.equal(trail.slice(failedVerify).filter((t) => t === 'transfer:ok').length, 1, 'one more transfer after the failed verify');
    assert.ok(trail.slice(failedVerify).includes('verify:ok'));
  });

  test('cancel mid-transfer, then retry: the gateway resumes from the bytes it holds', async () => {
    const [slow] = await gateways('slow', 1, { faults: { throttleBaud: 4_000_000 } });
    const started = await ok<FlashJob>(engine, 'flash.start', { bundleId: osBundle.id, deviceIds: [slow!.id] });
    let held = 0;
    for (let i = 0; i < 600 && held < 64 * 1024; i++) {
      await new Promise((r) => setTimeout(r, 50));
      held = (await ok<FlashJob>(engine, 'flash.get', { jobId: started.id })).targets[0]!.bytesSent;
    }
    assert.ok(held >= 64 * 1024, 'the transfer got going');
    await ok<FlashJob>(engine, 'flash.cancel', { jobId: started.id });
    const cancelled = await finished(engine, started.id);
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.targets[0]?.state, 'cancelled');
    assert.equal(cancelled.targets[0]?.step, 'transfer');
    assert.ok(cancelled.targets[0]!.bytesSent < osBundle.size);

    await ok<FlashJob>(engine, 'flash.retry', { jobId: started.id });
    const done = await finished(engine, started.id);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.targets[0]?.error));
    assert.ok((done.targets[0]!.resumedFrom ?? 0) >= held, `resumed from ${done.targets[0]!.resumedFrom}, ${held} were held`);
    const nothing = await dispatch(engine.handlers, 'flash.retry', { jobId: started.id });
    assert.equal(!nothing.ok && nothing.error.code, 'nothing_to_retry');
  });

  test('bad calls get specific errors', async () => {
    const unknownJob = await dispatch(engine.handlers, 'flash.get', { jobId: 'f'.repeat(32) });
    assert.equal(!unknownJob.ok && unknownJob.error.code, 'unknown_job');
    const unknownDevice = await dispatch(engine.handlers, 'flash.start', { bundleId: osBundle.id, deviceIds: ['a'.repeat(64)] });
    assert.equal(!unknownDevice.ok && unknownDevice.error.code, 'unknown_device');
    const noDevices = await dispatch(engine.handlers, 'flash.start', { bundleId: osBundle.id, deviceIds: [] });
    assert.equal(!noDevices.ok && noDevices.error.code, 'invalid_params');
    const unknownBundle = await dispatch(engine.handlers, 'flash.plan', { bundleId: 'b'.repeat(64), deviceIds: [agents[0]!.id] });
    assert.equal(!unknownBundle.ok && unknownBundle.error.code, 'bundle_unknown');
  });
});
