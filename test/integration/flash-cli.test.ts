/**
 * `fieldline flash` as a process, against real agents: JSON lines and exit codes, the display for
 * people, and the app killed with SIGKILL mid-transfer — after a restart the job is listed as
 * interrupted and a retry resumes from the bytes the gateway already holds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dispatch } from '../../core/api/dispatch.js';
import type { FlashJob, FlashJobDetail } from '../../core/api/schemas.js';
import { createEngine } from '../../core/engine/engine.js';
import { addressOf, fieldline, GatewayFixture, openAuthenticated, seedProfile } from './flash-support.js';

function jsonLines(stdout: string): { type: string; [k: string]: unknown }[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string });
}

describe('fieldline flash', () => {
  const fx = new GatewayFixture('fl-flash-cli-', 2 * 1024 * 1024);
  const gateway = fx.gateway.bind(fx);

  test('--json: JSON lines for every step, exit 0 when every gateway succeeded, 1 otherwise', async () => {
    const dataDir = join(fx.dir, 'app-json');
    seedProfile(dataDir);
    const a = await gateway('cli-a');
    const b = await gateway('cli-b');
    const run = await fieldline(['flash', fx.bundles.model.file, addressOf(a), addressOf(b), '--json', '--data-dir', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const lines = jsonLines(run.stdout);
    assert.equal(lines[0]?.type, 'job');
    assert.ok(lines.some((l) => l.type === 'progress' && l.step === 'transfer'));
    const result = lines.at(-1)!;
    assert.equal(result.type, 'result');
    assert.equal(result.state, 'succeeded');

    const odd = await gateway('cli-odd', { model: 'Toaster T1' });
    const failing = await fieldline([
      'flash',
      fx.bundles.osImage.file,
      addressOf(odd),
      addressOf(a),
      '--json',
      '--data-dir',
      dataDir,
      '--parallel',
      '2',
    ]);
    assert.equal(failing.code, 1);
    const targets = (jsonLines(failing.stdout).at(-1)!.targets as { deviceId: string; state: string }[]) ?? [];
    assert.equal(targets.find((t) => t.deviceId === odd.id)?.state, 'skipped');
    assert.equal(targets.find((t) => t.deviceId === a.id)?.state, 'succeeded');
  });

  test('for people: one line per gateway and a summary; bad arguments get a usage error', async () => {
    const dataDir = join(fx.dir, 'app-human');
    seedProfile(dataDir);
    const gw = await gateway('cli-human');
    const run = await fieldline(['flash', fx.bundles.osImage.file, addressOf(gw), '--data-dir', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /cli-human\s+✓ 0\.9\.0 → 1\.0\.0/);
    assert.match(run.stdout, /1 of 1 gateway flashed \(job succeeded\)/);
    const usage = await fieldline(['flash', fx.bundles.osImage.file, '--data-dir', dataDir]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs a bundle and at least one gateway/);
    const missing = await fieldline(['flash', join(fx.dir, 'nope.flb'), addressOf(gw), '--data-dir', dataDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no bundle file at/);
  });

  test('SIGKILL mid-transfer: after a restart the job is interrupted, and a retry resumes from the bytes held', async () => {
    const dataDir = join(fx.dir, 'app-killed');
    seedProfile(dataDir);
    // A slow line, so the kill lands mid-transfer.
    const gw = await gateway('cli-killed', { faults: { throttleBaud: 4_000_000 } });
    let seenBytes = 0;
    const killed = await fieldline(['flash', fx.bundles.osImage.file, addressOf(gw), '--json', '--data-dir', dataDir], (line) => {
      const l = JSON.parse(line) as { type: string; step?: string; bytesSent?: number; bytesTotal?: number };
      if (l.type === 'progress' && l.step === 'transfer' && (l.bytesSent ?? 0) > 64 * 1024) {
        seenBytes = l.bytesSent!;
        return true;
      }
      return false;
    });
    assert.equal(killed.signal, 'SIGKILL', `the flash finished before it could be killed: ${killed.stdout.slice(-300)}`);
    assert.ok(seenBytes > 0);

    const engine = await createEngine({ dataDir, host: 'cli' });
    try {
      const listed = await dispatch(engine.handlers, 'flash.list', {});
      assert.ok(listed.ok);
      const job = (listed.value as FlashJob[])[0]!;
      assert.equal(job.state, 'interrupted');
      assert.equal(job.targets[0]?.state, 'interrupted');
      assert.equal(job.targets[0]?.step, 'transfer');
      // The registry starts empty after a restart: the gateway is reached again by its address.
      assert.ok((await dispatch(engine.handlers, 'devices.add', { address: addressOf(gw) })).ok);
      const retried = await dispatch(engine.handlers, 'flash.retry', { jobId: job.id });
      assert.ok(retried.ok, JSON.stringify(retried));
      let done: FlashJobDetail | null = null;
      for (let i = 0; i < 600 && (done === null || done.state === 'running'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        const got = await dispatch(engine.handlers, 'flash.get', { jobId: job.id });
        if (got.ok) done = got.value as FlashJobDetail;
      }
      assert.equal(done?.state, 'succeeded', JSON.stringify(done?.targets));
      const target = done!.targets[0]!;
      assert.ok((target.resumedFrom ?? 0) >= seenBytes, `resumed from ${target.resumedFrom}, the killed run had ${seenBytes} held`);
      assert.ok(done!.steps.some((s) => s.step === 'transfer' && s.outcome === 'started'));
    } finally {
      await engine.close();
    }
    const session = await openAuthenticated(gw);
    try {
      assert.equal(session.descriptor.firmware.version, '1.0.0');
    } finally {
      await session.close();
    }
  });
});
