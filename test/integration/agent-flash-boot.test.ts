/**
 * Install, activate, trial boot, confirm and rollback on a real agent: the A/B state machine as
 * a laptop sees it over FGP, across emulated reboots and agent restarts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import { statusResult } from '../../agent/method-results.js';
import { makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';
import type { FgpPeer } from '../../core/protocol/peer.js';
import { connect, loadArtifact, rejectsWith, startFlashAgent, upload, type Artifact } from '../helpers/agent-flash-client.js';

describe('agent A/B install, trial boot, confirm and rollback', { timeout: 180_000 }, () => {
  let dir: string;
  let bundles: DemoBundleSet;
  let os: Artifact;
  let model: Artifact;
  const agents: RunningAgent[] = [];
  const peers: FgpPeer[] = [];

  const start = async (name: string, options: Parameters<typeof startFlashAgent>[1] = {}): Promise<RunningAgent> => {
    const agent = await startFlashAgent(path.join(dir, name), options);
    agents.push(agent);
    return agent;
  };
  const open = async (agent: RunningAgent): Promise<Awaited<ReturnType<typeof connect>>> => {
    const session = await connect(agent);
    peers.push(session.peer);
    return session;
  };
  /** Uploads and installs the demo OS into the inactive slot; returns the open session. */
  const installOs = async (agent: RunningAgent): Promise<FgpPeer> => {
    const { peer } = await open(agent);
    await upload(peer, os);
    assert.deepEqual(await peer.request('install', { sha256: os.sha256 }, 60_000), { slot: 'b', version: '1.0.0' });
    return peer;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-flash-boot-'));
    bundles = await makeDemoBundles(path.join(dir, 'bundles'), { imageBytes: 1024 * 1024 });
    os = await loadArtifact(bundles.osImage.file);
    model = await loadArtifact(bundles.model.file);
  });

  after(async () => {
    for (const p of peers) p.close();
    for (const a of agents) await a.close();
    await rm(dir, { recursive: true, force: true });
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
    await rejectsWith(trial.peer.request('install', { sha256: os.sha256 }), 'trial_in_progress');

    assert.deepEqual(await trial.peer.request('confirm'), { activeSlot: 'b', version: '1.0.0' });
    const confirmed = statusResult.parse(await trial.peer.request('status'));
    assert.equal(confirmed.trial, null);
    assert.deepEqual(confirmed.firmware, { version: '1.0.0', activeSlot: 'b' });
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
    await rejectsWith(peer.request('install', { sha256: model.sha256 }, 60_000), 'install_failed');
  });
});
