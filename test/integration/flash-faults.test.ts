/**
 * Flash jobs when things go wrong, against real agents: the app restarts mid-transfer and a retry
 * reaches the gateway over the path the job stored (the new engine's registry is empty), power
 * is lost at every write step of activate (the gateway ends on its old slot or the complete new
 * one, and the job says which), and a stalled link fails the job with a timeout code after the
 * chunk timeout, then a retry completes. Each job's step records are the audit trail: asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { BundleSummary, Device, FlashJob, FlashJobDetail } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { addressOf, finished, GatewayFixture, ok, openAuthenticated, seedProfile } from './flash-support.js';

async function heldAtLeast(engine: Engine, jobId: string, bytes: number): Promise<number> {
  let held = 0;
  for (let i = 0; i < 600 && held < bytes; i++) {
    await new Promise((r) => setTimeout(r, 50));
    held = (await ok<FlashJob>(engine, 'flash.get', { jobId })).targets[0]!.bytesSent;
  }
  assert.ok(held >= bytes, `the transfer got going (${held} bytes held)`);
  return held;
}

const trail = (job: FlashJobDetail, deviceId: string): string[] =>
  job.steps.filter((s) => s.deviceId === deviceId).map((s) => `${s.step}:${s.outcome}`);

/** Every step that started ended with an outcome, in order. */
function assertClosed(steps: readonly string[]): void {
  const open = new Set<string>();
  for (const s of steps) {
    const [step, outcome] = s.split(':') as [string, string];
    if (outcome === 'started') open.add(step);
    else open.delete(step);
  }
  assert.deepEqual([...open], [], `steps without an outcome: ${steps.join(' ')}`);
}

async function firmwareOf(agent: RunningAgent): Promise<{ version: string; activeSlot: string; trial: boolean }> {
  const session = await openAuthenticated(agent);
  try {
    const d = session.descriptor;
    return { ...d.firmware, trial: d.slots.some((s) => s.state === 'trial') };
  } finally {
    await session.close();
  }
}

const TIMING = { reconnectMs: 30_000, backoffMs: [100, 200, 400], healthMs: 30_000, transferAttempts: 1, chunkTimeoutMs: 1500 };

describe('flash jobs under faults', { timeout: 300_000 }, () => {
  const fx = new GatewayFixture('fl-flash-faults-', 1024 * 1024);
  const gateway = fx.gateway.bind(fx);

  async function engineAt(name: string): Promise<{ engine: Engine; os: BundleSummary; dataDir: string }> {
    const dataDir = join(fx.dir, name);
    seedProfile(dataDir);
    const engine = fx.track(await createEngine({ dataDir, host: 'cli', flash: { timing: TIMING } }));
    const os = await ok<BundleSummary>(engine, 'bundles.import', { path: fx.bundles.osImage.file });
    assert.equal(os.status, 'verified');
    return { engine, os, dataDir };
  }

  test('app restarted mid-transfer: a new engine that has seen no gateway retries over the stored path and resumes', async () => {
    const { engine, os, dataDir } = await engineAt('app-restart');
    const gw = await gateway('restart-gw', { faults: { throttleBaud: 4_000_000 } });
    await ok<Device>(engine, 'devices.add', { address: addressOf(gw) });
    const started = await ok<FlashJob>(engine, 'flash.start', { bundleId: os.id, deviceIds: [gw.id] });
    const held = await heldAtLeast(engine, started.id, 64 * 1024);
    await engine.close();
    fx.forget(engine);

    const next = fx.track(await createEngine({ dataDir, host: 'cli', flash: { timing: TIMING } }));
    assert.deepEqual(await ok<Device[]>(next, 'devices.list'), [], 'no discovery, nothing added: the registry is empty');
    const interrupted = await ok<FlashJob>(next, 'flash.get', { jobId: started.id });
    assert.equal(interrupted.state, 'interrupted');
    assert.equal(interrupted.targets[0]?.state, 'interrupted');
    assert.equal(interrupted.targets[0]?.step, 'transfer');

    await ok<FlashJob>(next, 'flash.retry', { jobId: started.id });
    const done = await finished(next, started.id);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.targets[0]?.error));
    const target = done.targets[0]!;
    assert.ok((target.resumedFrom ?? 0) >= held, `resumed from ${target.resumedFrom}, ${held} were held`);
    assert.equal(target.bytesSent, os.size);
    const steps = trail(done, gw.id);
    assertClosed(steps);
    // The first run's transfer was cut by the shutdown; the retry went through every step.
    assert.equal(steps.filter((s) => s === 'transfer:cancelled').length, 1, steps.join(' '));
    assert.deepEqual(
      steps.slice(steps.lastIndexOf('preflight:started')).filter((s) => !s.endsWith(':started')),
      ['preflight:ok', 'transfer:ok', 'verify:ok', 'install:ok', 'activate:ok', 'health:ok', 'confirm:ok', 'done:ok'],
    );
    assert.deepEqual(await firmwareOf(gw), { version: '1.0.0', activeSlot: 'b', trial: false });
    const listed = await ok<Device[]>(next, 'devices.list');
    assert.deepEqual(
      listed.map((d) => d.id),
      [gw.id],
      'the gateway reached over the stored path is back in the device list',
    );
  });

  test('a job for a gateway the app has neither seen nor stored a path to is refused with unknown_device', async () => {
    const { engine, os } = await engineAt('app-unknown');
    const refused = await dispatch(engine.handlers, 'flash.start', { bundleId: os.id, deviceIds: ['e'.repeat(64)] });
    assert.equal(!refused.ok && refused.error.code, 'unknown_device');
  });

  test('power lost at every write step of activate: the old slot or the complete new one, and the job says which', async () => {
    const { engine, os } = await engineAt('app-power');
    const outcomes: string[] = [];
    for (let step = 1; step <= 4; step++) {
      const name = `power-${step}`;
      const gw = await gateway(name, { faults: { powerLossAt: { phase: 'activate', step } } });
      await ok<Device>(engine, 'devices.add', { address: addressOf(gw) });
      const job = await ok<FlashJob>(engine, 'flash.start', { bundleId: os.id, deviceIds: [gw.id] });
      const loss = await gw.whenPowerLost();
      assert.equal(loss.step, step);
      // Power comes back: the same gateway (state directory, address) boots again.
      const port = gw.tcpPort!;
      await gw.close().catch(() => undefined);
      const back = await gateway(name, { port });
      assert.equal(back.id, gw.id);

      const done = await finished(engine, job.id);
      const t = done.targets[0]!;
      const steps = trail(done, gw.id);
      assertClosed(steps);
      const firmware = await firmwareOf(back);
      if (t.state === 'succeeded') {
        outcomes.push('new');
        assert.equal(t.rollback, null);
        assert.deepEqual(firmware, { version: '1.0.0', activeSlot: 'b', trial: false }, `step ${step}`);
        assert.deepEqual(
          steps.filter((s) => s.endsWith(':ok')),
          ['preflight:ok', 'transfer:ok', 'verify:ok', 'install:ok', 'activate:ok', 'health:ok', 'confirm:ok', 'done:ok'],
          `step ${step}: ${steps.join(' ')}`,
        );
      } else {
        outcomes.push('old');
        assert.equal(t.state, 'failed', `step ${step}`);
        assert.equal(t.step, 'activate');
        assert.equal(t.error?.code, 'activate_interrupted', `step ${step}: ${t.error?.message}`);
        assert.match(t.error?.message ?? '', /previous slot a \(0\.9\.0\)/);
        assert.equal(t.rollback, 'rolled-back-by-gateway');
        assert.deepEqual(firmware, { version: '0.9.0', activeSlot: 'a', trial: false }, `step ${step}`);
        assert.deepEqual(
          steps.filter((s) => !s.endsWith(':started')),
          [
            'preflight:ok',
            'transfer:ok',
            'verify:ok',
            'install:ok',
            'activate:failed', // the gateway went down while switching
            'activate:failed', // … and came back on the old slot
            'rollback:ok',
          ],
          `step ${step}: ${steps.join(' ')}`,
        );
        const rollback = done.steps.find((s) => s.deviceId === gw.id && s.step === 'rollback' && s.outcome === 'ok');
        assert.match(rollback?.detail ?? '', /never left slot a/);
      }
    }
    // Steps 1–2 write "try slot b" (lost before it is complete: the old slot); 3–4 record the
    // trial boot (it boots the new slot on trial, and the job confirms it).
    assert.deepEqual(outcomes, ['old', 'old', 'new', 'new']);
  });

  test('a stalled link: the job fails with link_stalled after the chunk timeout, and a retry completes', async () => {
    const { engine, os } = await engineAt('app-stall');
    // Inside the first chunk: the gateway holds nothing when it stops reading.
    const gw = await gateway('stall-gw', { faults: { stallAfterBytes: 64 * 1024 } });
    await ok<Device>(engine, 'devices.add', { address: addressOf(gw) });
    const job = await ok<FlashJob>(engine, 'flash.start', { bundleId: os.id, deviceIds: [gw.id] });
    const failed = await finished(engine, job.id);
    const t = failed.targets[0]!;
    assert.equal(failed.state, 'failed');
    assert.equal(t.state, 'failed');
    assert.equal(t.step, 'transfer');
    assert.equal(t.error?.code, 'link_stalled');
    assert.match(t.error?.message ?? '', /stopped answering/);
    assert.equal(t.rollback, null, 'nothing was installed, nothing to roll back');
    let steps = trail(failed, gw.id);
    assertClosed(steps);
    assert.deepEqual(
      steps.filter((s) => !s.endsWith(':started')),
      ['preflight:ok', 'transfer:failed'],
    );

    await ok<FlashJob>(engine, 'flash.retry', { jobId: job.id });
    const done = await finished(engine, job.id);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.targets[0]?.error));
    steps = trail(done, gw.id);
    assertClosed(steps);
    assert.deepEqual(
      steps.slice(steps.lastIndexOf('preflight:started')).filter((s) => !s.endsWith(':started')),
      ['preflight:ok', 'transfer:ok', 'verify:ok', 'install:ok', 'activate:ok', 'health:ok', 'confirm:ok', 'done:ok'],
    );
    assert.deepEqual(await firmwareOf(gw), { version: '1.0.0', activeSlot: 'b', trial: false });
  });
});
