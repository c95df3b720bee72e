/**
 * "Power loss" at every write step of install and of activate, one run per step (as MCUboot's
 * simulator does): the agent is abandoned mid-step, a new agent starts on the same state
 * directory, and the gateway must run the old slot or the complete new one, never neither.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { hashFile } from '../../agent/artifacts/artifact-store.js';
import { modelInstallSteps } from '../../agent/slots/model-store.js';
import { readSlot, slotFilePath, slotInstallSteps } from '../../agent/slots/slot-image.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import type { Manifest } from '../../core/bundle/manifest.js';
import { loadArtifact, upload, type Artifact } from '../helpers/agent-flash-client.js';
import { AgentFixture, osBundleWith } from './flash-support.js';

const OLD = { version: '3.1.0', activeSlot: 'a' };
const NEW = { version: '1.0.0', activeSlot: 'b' };

describe('power loss during install and activate', { timeout: 300_000 }, () => {
  const fx = new AgentFixture('fieldline-agent-flash-power-', 512 * 1024);
  let os: Artifact;
  let model: Artifact;
  /** The OS with a bootloader and an aux payload, committed in its own state directory. */
  let full: { artifact: Artifact; manifest: Manifest; committed: string };
  /** State directories with the OS (and model) artifact committed, and with the OS installed in slot b. */
  let committed: string;
  let installed: string;
  const start = fx.start.bind(fx);
  const open = async (agent: RunningAgent): Promise<FgpPeer> => (await fx.open(agent)).peer;

  /** The gateway after the cut: what it boots, and that a "new" slot is the complete image. */
  const bootsOldOrNew = async (stateDir: string): Promise<'old' | 'new'> => {
    const agent = await start(stateDir);
    const { firmware } = agent.descriptor();
    await agent.close();
    if (firmware.activeSlot === 'a') {
      assert.deepEqual(firmware, OLD);
      return 'old';
    }
    assert.deepEqual(firmware, NEW);
    const image = await readSlot(stateDir, 'b', '');
    assert.equal(image.kind, 'installed');
    if (image.kind !== 'installed') return 'new';
    for (const f of image.record.files) assert.equal(await hashFile(slotFilePath(stateDir, 'b', f)), f.sha256, `${f.path} is complete`);
    return 'new';
  };

  before(async () => {
    os = await loadArtifact(fx.bundles.osImage.file);
    model = await loadArtifact(fx.bundles.model.file);
    committed = path.join(fx.dir, 'committed');
    const agent = await start(committed);
    const peer = await open(agent);
    await upload(peer, os);
    await upload(peer, model);
    await agent.close();
    installed = path.join(fx.dir, 'installed');
    await cp(committed, installed, { recursive: true });
    const second = await start(installed);
    await (await open(second)).request('install', { sha256: os.sha256 }, 60_000);
    await second.close();
    const built = await osBundleWith(fx.bundles.osImage, path.join(fx.dir, 'bundles', 'full-os.flb'));
    full = { artifact: await loadArtifact(built.file), manifest: built.manifest, committed: path.join(fx.dir, 'committed-full') };
    const third = await start(full.committed);
    await upload(await open(third), full.artifact);
    await third.close();
  });

  /** Power loss before each install write step, one run per step; then the install is redone. */
  const everyInstallStep = async (name: string, from: string, artifact: Artifact, manifest: Manifest): Promise<string[]> => {
    const steps = slotInstallSteps(manifest);
    assert.ok(steps >= 5);
    const whats: string[] = [];
    for (let step = 1; step <= steps; step++) {
      const stateDir = path.join(fx.dir, `${name}-${step}`);
      await cp(from, stateDir, { recursive: true });
      const agent = await start(stateDir, { faults: { powerLossAt: { phase: 'install', step } } });
      const peer = await open(agent);
      await assert.rejects(peer.request('install', { sha256: artifact.sha256 }, 60_000), `install survives power loss at step ${step}`);
      const loss = await agent.whenPowerLost();
      assert.equal(loss.step, step);
      whats.push(loss.what);
      assert.equal(await bootsOldOrNew(stateDir), 'old', `step ${step}`);
      const slotB = await readSlot(stateDir, 'b', '3.0.2');
      assert.ok(slotB.kind !== 'installed', `step ${step}: slot b is not labelled with an image it does not hold`);
      // The gateway can be flashed again after the cut, with every payload in place.
      const again = await start(stateDir);
      assert.deepEqual(await (await open(again)).request('install', { sha256: artifact.sha256 }, 60_000), { slot: 'b', version: '1.0.0' });
      await again.close();
      const redone = await readSlot(stateDir, 'b', '');
      assert.equal(redone.kind === 'installed' && redone.record.files.length, steps - 4);
    }
    return whats;
  };

  test('every install step of an OS image: the old slot runs, and the install can be redone', async () => {
    await everyInstallStep('install', committed, os, fx.bundles.osImage.manifest);
  });

  test('every install step of an OS image with bootloader and aux payloads, each write a step of its own', async () => {
    assert.deepEqual(
      full.manifest.payloads.map((p) => p.target),
      ['slot', 'bootloader', 'aux'],
    );
    assert.equal(slotInstallSteps(full.manifest), 7);
    const whats = await everyInstallStep('full', full.committed, full.artifact, full.manifest);
    assert.deepEqual(whats.slice(2, 5), ['write slot rootfs.img', 'write bootloader u-boot.bin', 'write aux etc/gateway.conf']);
  });

  test('every activate step: the gateway boots the old slot or the complete new one', async () => {
    const outcomes: string[] = [];
    // Steps 1–2 write "try slot b" into boot.json; 3–4 record the trial boot after the reboot.
    for (let step = 1; step <= 4; step++) {
      const stateDir = path.join(fx.dir, `activate-${step}`);
      await cp(installed, stateDir, { recursive: true });
      const agent = await start(stateDir, { faults: { powerLossAt: { phase: 'activate', step } } });
      const peer = await open(agent);
      await peer.request('activate', { slot: 'b' }).catch(() => undefined);
      const loss = await agent.whenPowerLost();
      assert.equal(loss.phase, 'activate');
      assert.equal(loss.step, step);
      outcomes.push(await bootsOldOrNew(stateDir));
    }
    assert.deepEqual(outcomes, ['old', 'old', 'new', 'new']);
  });

  test('every confirm step: old or new, and a cut before boot.json is renamed rolls back on the next boot', async () => {
    const outcomes: string[] = [];
    for (let step = 1; step <= 3; step++) {
      const stateDir = path.join(fx.dir, `confirm-${step}`);
      await cp(installed, stateDir, { recursive: true });
      const agent = await start(stateDir, { faults: { powerLossAt: { phase: 'confirm', step } } });
      await (await open(agent)).request('activate', { slot: 'b' });
      await agent.waitForBoot(2);
      await (await open(agent)).request('confirm').catch(() => undefined);
      await agent.whenPowerLost();
      outcomes.push(await bootsOldOrNew(stateDir));
    }
    // Before the rename the trial was booted once and never confirmed: MCUboot's revert.
    assert.deepEqual(outcomes, ['old', 'old', 'new']);
  });

  test('every install step of a model: no model becomes active until the index is renamed (the last step records it)', async () => {
    const steps = modelInstallSteps(fx.bundles.model.manifest) + 1;
    const seen: number[] = [];
    for (let step = 1; step <= steps; step++) {
      const stateDir = path.join(fx.dir, `model-${step}`);
      await cp(committed, stateDir, { recursive: true });
      const agent = await start(stateDir, { faults: { powerLossAt: { phase: 'install', step } } });
      await assert.rejects((await open(agent)).request('install', { sha256: model.sha256 }, 60_000));
      await agent.whenPowerLost();
      const after = await start(stateDir);
      const models = after.descriptor().models.map((m) => `${m.name} ${m.version}`);
      assert.equal(after.slots().running, 'a');
      await after.close();
      seen.push(models.length);
      if (step < steps) assert.deepEqual(models, [], `step ${step}`);
      else assert.deepEqual(models, ['Fieldline Demo Classifier 1.0.0'], `step ${step}`);
    }
    assert.equal(seen.length, steps);
  });
});
