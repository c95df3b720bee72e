/**
 * Install, activate, trial boot, confirm and rollback on a real agent: the A/B state machine as
 * a laptop sees it over FGP, across emulated reboots and agent restarts.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { statusResult } from '../../agent/method-results.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { loadArtifact, rejectsWith, upload, type Artifact } from '../helpers/agent-flash-client.js';
import { AgentFixture, osBundleWith } from './flash-support.js';

describe('agent A/B install, trial boot, confirm and rollback', { timeout: 180_000 }, () => {
  const fx = new AgentFixture('fieldline-agent-flash-boot-', 1024 * 1024);
  const start = fx.start.bind(fx);
  const open = fx.open.bind(fx);
  let os: Artifact;
  let model: Artifact;
  /** Uploads and installs the demo OS into the inactive slot; returns the open session. */
  const installOs = async (agent: RunningAgent): Promise<FgpPeer> => {
    const { peer } = await open(agent);
    await upload(peer, os);
    assert.deepEqual(await peer.request('install', { sha256: os.sha256 }, 60_000), { slot: 'b', version: '1.0.0' });
    return peer;
  };

  before(async () => {
    os = await loadArtifact(fx.bundles.osImage.file);
    model = await loadArtifact(fx.bundles.model.file);
  });

  test('install → activate → trial boot → confirm: the new slot runs, survives a restart, and the counter is recorded', async () => {
    const agent = await start('happy');
    const peer = await installOs(agent);
    const slotJson = JSON.parse(await readFile(path.join(agent.stateDir, 'slots', 'b', 'slot.json'), 'utf8')) as { version: string };
    assert.equal(slotJson.version, '1.0.0');
    await access(path.join(agent.stateDir, 'slots', 'b', 'files', 'rootfs.img'));
    const before = (await open(agent)).descriptor;
    assert.deepEqual(before.slots, [
      { name: 'a', version: '3.1.0', state: 'active' },
      { name: 'b', version: '1.0.0', state: 'inactive' },
    ]);
    await rejectsWith(peer.request('activate', { slot: 'a' }), 'slot_invalid');
    await rejectsWith(peer.request('confirm'), 'no_trial');

    const answer = (await peer.request('activate', { slot: 'b' })) as { rebooting: boolean; rebootMs: number };
    assert.deepEqual(answer, { rebooting: true, rebootMs: 100 });
    await agent.waitForBoot(2);
    const trial = await open(agent);
    assert.deepEqual(trial.descriptor.firmware, { version: '1.0.0', activeSlot: 'b' });
    assert.equal(trial.descriptor.slots.find((s) => s.name === 'b')?.state, 'trial');
    const status = statusResult.parse(await trial.peer.request('status'));
    assert.equal(status.trial?.slot, 'b');
    assert.ok(status.trial.deadline > status.time);
    assert.equal(status.health?.state, 'ok');
    assert.equal(status.artifacts?.committed, 1, 'the artifact stays through the trial, for a retry');
    await rejectsWith(trial.peer.request('install', { sha256: os.sha256 }), 'trial_in_progress');

    assert.deepEqual(await trial.peer.request('confirm'), { activeSlot: 'b', version: '1.0.0' });
    const confirmed = statusResult.parse(await trial.peer.request('status'));
    assert.equal(confirmed.trial, null);
    assert.deepEqual(confirmed.firmware, { version: '1.0.0', activeSlot: 'b' });
    assert.deepEqual(confirmed.artifacts, { committed: 0, committedBytes: 0, partial: 0, partialBytes: 0 }, 'the slot holds it now');
    await rejectsWith(trial.peer.request('artifact.status', { sha256: os.sha256 }), 'unknown_artifact');
    assert.equal(agent.descriptor().securityCounters?.['os-image'], 1);

    await agent.close();
    const again = await start('happy');
    assert.deepEqual(again.descriptor().firmware, { version: '1.0.0', activeSlot: 'b' });
    assert.equal(again.slots().trial, null);
  });

  test('a failed health check on the trial boot rolls back to the old slot by itself, with the reason', async () => {
    const agent = await start('unhealthy', { faults: { failHealth: true } });
    const peer = await installOs(agent);
    await peer.request('activate', { slot: 'b' });
    await agent.waitForBoot(2);
    const { peer: after, descriptor } = await open(agent);
    assert.deepEqual(descriptor.firmware, { version: '3.1.0', activeSlot: 'a' });
    const status = statusResult.parse(await after.request('status'));
    assert.equal(status.trial, null);
    assert.equal(status.lastRollback?.from, 'b');
    assert.equal(status.lastRollback.to, 'a');
    assert.match(status.lastRollback.reason, /health check .* failed.*failHealth/);
    assert.equal(status.health?.state, 'failed');
    assert.equal(agent.descriptor().securityCounters?.['os-image'], undefined, 'nothing was committed');
  });

  test('no confirm before the trial deadline → the gateway rolls back by itself', async () => {
    const agent = await start('deadline', { trialMs: 400 });
    const peer = await installOs(agent);
    await peer.request('activate', { slot: 'b' });
    await agent.waitForBoot(2);
    assert.equal(agent.slots().running, 'b');
    await agent.waitForBoot(3);
    const { peer: after, descriptor } = await open(agent);
    assert.deepEqual(descriptor.firmware, { version: '3.1.0', activeSlot: 'a' });
    const status = statusResult.parse(await after.request('status'));
    assert.match(status.lastRollback?.reason ?? '', /not confirmed within/);
  });

  test('rollback during a trial and reboot: back on the old slot; a reboot without confirm also rolls back', async () => {
    const agent = await start('manual');
    const peer = await installOs(agent);
    await peer.request('activate', { slot: 'b' });
    await agent.waitForBoot(2);
    const trial = await open(agent);
    assert.equal(trial.descriptor.firmware.activeSlot, 'b');
    const answer = (await trial.peer.request('rollback')) as { rebooting: boolean };
    assert.equal(answer.rebooting, true);
    await agent.waitForBoot(3);
    assert.equal(agent.slots().running, 'a');
    assert.match(agent.slots().lastRollback?.reason ?? '', /requested by Demo Technician/);

    const again = await open(agent);
    await again.peer.request('activate', { slot: 'b' });
    await agent.waitForBoot(4);
    const second = await open(agent);
    assert.equal(second.descriptor.firmware.activeSlot, 'b');
    await second.peer.request('reboot');
    await agent.waitForBoot(5);
    assert.equal(agent.slots().running, 'a');
    assert.match(agent.slots().lastRollback?.reason ?? '', /restarted during the trial/);
  });

  test('a model bundle installs into the model store, passes its golden cases and is listed', async () => {
    const agent = await start('model');
    const { peer } = await open(agent);
    const committed = await upload(peer, model);
    assert.equal(committed.kind, 'model');
    assert.deepEqual(await peer.request('install', { sha256: model.sha256 }, 60_000), {
      model: 'Fieldline Demo Classifier',
      version: '1.0.0',
    });
    const { descriptor } = await open(agent);
    assert.deepEqual(
      descriptor.models.map((m) => [m.name, m.version]),
      [['Fieldline Demo Classifier', '1.0.0']],
    );
    assert.equal(descriptor.securityCounters?.model, 1);
    const index = JSON.parse(await readFile(path.join(agent.stateDir, 'models', 'index.json'), 'utf8')) as { models: { dir: string }[] };
    await access(path.join(agent.stateDir, 'models', index.models[0]!.dir, 'files', 'model.onnx'));
    // The model store holds it now: the artifact is gone, and sending it again to reinstall the active version is refused.
    await rejectsWith(peer.request('artifact.status', { sha256: model.sha256 }), 'unknown_artifact');
    await upload(peer, model);
    await rejectsWith(peer.request('install', { sha256: model.sha256 }, 60_000), 'install_failed');
  });

  test('bootloader and aux payloads go into the inactive slot with the image and are checked on the trial boot', async () => {
    const built = await osBundleWith(fx.bundles.osImage, path.join(fx.dir, 'bundles', 'full-os.flb'));
    const full = await loadArtifact(built.file);
    const agent = await start('full');
    const { peer } = await open(agent);
    await upload(peer, full);
    assert.deepEqual(await peer.request('install', { sha256: full.sha256 }, 60_000), { slot: 'b', version: '1.0.0' });
    const slotB = path.join(agent.stateDir, 'slots', 'b');
    assert.equal((await stat(path.join(slotB, 'bootloader', 'u-boot.bin'))).size, 48 * 1024);
    assert.equal(await readFile(path.join(slotB, 'aux', 'etc', 'gateway.conf'), 'utf8'), 'mode=field\n');
    const record = JSON.parse(await readFile(path.join(slotB, 'slot.json'), 'utf8')) as { files: { path: string; target: string }[] };
    assert.deepEqual(
      record.files.map((f) => `${f.target}:${f.path}`),
      ['slot:rootfs.img', 'bootloader:u-boot.bin', 'aux:etc/gateway.conf'],
    );
    await peer.request('activate', { slot: 'b' });
    await agent.waitForBoot(2);
    assert.equal(agent.slots().running, 'b');
    assert.equal(agent.slots().health.state, 'ok');
    await (await open(agent)).peer.request('rollback');
    await agent.waitForBoot(3);

    // A bootloader damaged after the install fails the trial's health check: back to the old slot.
    await writeFile(path.join(slotB, 'bootloader', 'u-boot.bin'), new Uint8Array(48 * 1024));
    await (await open(agent)).peer.request('activate', { slot: 'b' });
    await agent.waitForBoot(4);
    assert.equal(agent.slots().running, 'a');
    assert.match(agent.slots().lastRollback?.reason ?? '', /u-boot\.bin is not the file that was installed/);
  });

  test('a payload target the gateway does not install from that kind of bundle is refused before anything is written', async () => {
    const built = await osBundleWith(fx.bundles.osImage, path.join(fx.dir, 'bundles', 'odd-os.flb'), [
      { path: 'stray.onnx', target: 'model', bytes: new Uint8Array(16) },
    ]);
    const odd = await loadArtifact(built.file);
    const agent = await start('odd');
    const { peer, descriptor } = await open(agent);
    await upload(peer, odd);
    const err = await rejectsWith(peer.request('install', { sha256: odd.sha256 }, 60_000), 'install_failed');
    assert.match(err.message, /"stray\.onnx" has target "model".*kind "os-image".*slot, bootloader, aux/);
    assert.deepEqual(err.data, { payload: 'stray.onnx', target: 'model' });
    await assert.rejects(access(path.join(agent.stateDir, 'slots', 'b')), 'slot b was not touched');
    assert.deepEqual((await open(agent)).descriptor.slots, descriptor.slots);
  });
});
