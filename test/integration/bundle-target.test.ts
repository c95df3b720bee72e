/**
 * bundles.check against real gateways: real agents on loopback TLS with different hardware, one
 * with a security counter it committed to its own bundle-guard.json, one already running the
 * bundle's version; the demo OS bundle judged for each through the engine, and the laptop clock
 * set back behind the trusted time a gateway reported.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { BundleGuardStore } from '../../agent/bundle-state.js';
import type { DeviceSeed } from '../../agent/state-schema.js';
import { makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { BundleCheck, BundleSummary, BundleTargetCheck, Device } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';

const DAY = 86_400_000;
const UDP_PORT = 40000 + ((process.pid + 7919) % 20000);

async function call<T>(engine: Engine, method: string, params: unknown = {}): Promise<T> {
  const outcome = await dispatch(engine.handlers, method, params);
  if (!outcome.ok) throw Object.assign(new Error(`${method}: ${outcome.error.message}`), outcome.error);
  return outcome.value as T;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function seed(name: string, model: string, hardwareRevision: string, firmware: string): Partial<DeviceSeed> {
  return {
    name,
    vendor: 'Acme Edge Systems',
    model,
    hardwareRevision,
    serial: `SN-${name}`,
    activeSlot: 'a',
    slots: [
      { name: 'a', version: firmware, state: 'active' },
      { name: 'b', version: '', state: 'empty' },
    ],
  };
}

function check(report: BundleTargetCheck, id: string): BundleCheck {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `the report has a "${id}" check: ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
}

describe('bundles.check against real gateways', () => {
  let dir: string;
  let engine: Engine;
  let demo: DemoBundleSet;
  let bundleId: string;
  let laptopClock: number | null = null;
  const agents = new Map<string, RunningAgent>();

  async function gateway(name: string, device: Partial<DeviceSeed>, udp = false): Promise<RunningAgent> {
    const agent = await startAgent({
      stateDir: join(dir, name),
      device,
      tcp: { host: '127.0.0.1', port: 0 },
      mdns: false,
      udp: udp ? { port: UDP_PORT, interfaces: ['127.0.0.1'] } : false,
    });
    agents.set(name, agent);
    return agent;
  }

  async function add(name: string): Promise<Device> {
    return call<Device>(engine, 'devices.add', { address: `127.0.0.1:${agents.get(name)!.tcpPort}` });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-bundle-target-'));
    demo = await makeDemoBundles(join(dir, 'demo'), { imageBytes: 256 * 1024 });
    // The demo OS bundle (1.0.0, counter 1) is for EdgeBox X1 rev-b/rev-c, EdgeBox X2 rev-a, Sentinel S3 1.2/1.3.
    await gateway('gw-match', seed('gw-match', 'EdgeBox X1', 'rev-b', '2.4.1'), true);
    await gateway('gw-model', seed('gw-model', 'Orchard O1', 'r1', '2.4.1'));
    await gateway('gw-rev', seed('gw-rev', 'EdgeBox X1', 'rev-a', '2.4.1'));
    await gateway('gw-same', seed('gw-same', 'Sentinel S3', '1.2', '1.0.0'));
    // This gateway already installed a newer OS image (counter 5): committed before it starts,
    // exactly as its own install path would have.
    const ahead = join(dir, 'gw-ahead');
    await mkdir(ahead, { recursive: true });
    const guard = await BundleGuardStore.open(ahead);
    await guard.commit({ ...demo.osImage.manifest, version: '1.2.0', securityCounter: 5 }, Date.now());
    await gateway('gw-ahead', seed('gw-ahead', 'EdgeBox X2', 'rev-a', '1.2.0'));

    engine = await createEngine({
      dataDir: join(dir, 'app'),
      host: 'cli',
      discovery: { interfaces: ['lo'], udpPort: UDP_PORT },
      now: () => laptopClock ?? Date.now(),
    });
    const summary = await call<BundleSummary>(engine, 'bundles.import', { path: demo.osImage.file });
    assert.equal(summary.status, 'verified', JSON.stringify(summary.reason));
    bundleId = summary.id;
  });

  after(async () => {
    await engine?.close();
    await Promise.all([...agents.values()].map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  });

  test('hello carries the committed security counter and trusted time; a fresh gateway claims none', async () => {
    const ahead = await add('gw-ahead');
    assert.deepEqual(ahead.descriptor?.securityCounters, { 'os-image': 5 });
    assert.equal(typeof ahead.descriptor?.trustedTime, 'number');
    const fresh = await add('gw-model');
    assert.deepEqual(fresh.descriptor?.securityCounters, {});
    assert.equal(fresh.descriptor?.trustedTime, undefined);
  });

  test('a gateway seen only by discovery gets a session first, and the matching one is compatible', async () => {
    const id = agents.get('gw-match')!.id;
    await call(engine, 'discovery.start', { interfaces: ['lo'] });
    const seen = await until('gw-match by UDP probe', async () => (await call<Device[]>(engine, 'devices.list')).find((d) => d.id === id));
    assert.equal(seen.descriptor, undefined, 'an announcement carries no descriptor');
    const report = await call<BundleTargetCheck>(engine, 'bundles.check', { id: bundleId, deviceId: id });
    assert.equal(report.deviceId, id);
    assert.equal(report.bundle.status, 'verified', JSON.stringify(report.bundle.reason));
    assert.equal(report.bundle.reason, null);
    assert.equal(check(report, 'hardware').status, 'pass');
    assert.equal(check(report, 'hardware').message, 'built for EdgeBox X1 rev rev-b');
    assert.equal(check(report, 'security-counter').status, 'pass');
    assert.equal(check(report, 'version').message, 'replaces 2.4.1 with 1.0.0');
    assert.equal(check(report, 'clock').status, 'pass');
    const after = (await call<Device[]>(engine, 'devices.list')).find((d) => d.id === id);
    assert.equal(after?.descriptor?.model, 'EdgeBox X1', 'the session stored the descriptor');
    await call(engine, 'discovery.stop');
  });

  test('another model is not compatible: hardware_incompatible with the supported models named', async () => {
    const report = await call<BundleTargetCheck>(engine, 'bundles.check', { id: bundleId, deviceId: agents.get('gw-model')!.id });
    assert.equal(report.bundle.status, 'refused');
    assert.equal(report.bundle.reason?.code, 'hardware_incompatible');
    assert.match(report.bundle.reason?.message ?? '', /this gateway is model Orchard O1 rev r1/);
    assert.match(report.bundle.reason?.message ?? '', /EdgeBox X1 \(rev rev-b, rev-c\)/);
  });

  test('the right model at an unsupported revision is not compatible either', async () => {
    await add('gw-rev');
    const report = await call<BundleTargetCheck>(engine, 'bundles.check', { id: bundleId, deviceId: agents.get('gw-rev')!.id });
    assert.equal(report.bundle.reason?.code, 'hardware_incompatible');
    assert.equal(
      report.bundle.reason?.message,
      'this bundle supports EdgeBox X1 revisions rev-b, rev-c; the gateway is revision rev-a. Pick the bundle built for this revision',
    );
  });

  test("a gateway whose counter is above the bundle's refuses it as a rollback", async () => {
    const report = await call<BundleTargetCheck>(engine, 'bundles.check', { id: bundleId, deviceId: agents.get('gw-ahead')!.id });
    assert.equal(report.bundle.status, 'refused', JSON.stringify(report.checks, null, 1));
    assert.equal(report.bundle.reason?.code, 'counter_rollback');
    assert.match(report.bundle.reason?.message ?? '', /security counter is 1, below the 5 the gateway has already accepted/);
    assert.equal(check(report, 'hardware').status, 'pass');
  });

  test('the same version already installed is a warning, not a refusal', async () => {
    await add('gw-same');
    const report = await call<BundleTargetCheck>(engine, 'bundles.check', { id: bundleId, deviceId: agents.get('gw-same')!.id });
    assert.equal(report.bundle.status, 'verified');
    const version = check(report, 'version');
    assert.equal(version.status, 'warn');
    assert.equal(version.code, 'same_version');
    assert.equal(version.message, 'Fieldline Demo OS 1.0.0 is already installed on this gateway; installing it again is a reinstall');
    assert.equal(report.bundle.warnings, 1);
  });

  test('a laptop clock behind the trusted time a gateway reported: clock_uncertain, expiry judged by the trusted time', async () => {
    laptopClock = Date.now() - 3 * DAY;
    try {
      const report = await call<BundleTargetCheck>(engine, 'bundles.check', { id: bundleId, deviceId: agents.get('gw-match')!.id });
      const clock = check(report, 'clock');
      assert.equal(clock.status, 'warn');
      assert.equal(clock.code, 'clock_uncertain');
      assert.match(clock.message, /the laptop clock \(.+\) is 3 days behind the last trusted time/);
      assert.match(clock.message, /from gateway gw-ahead \(/, 'the warning names where the trusted time came from');
      // The bundle was created a minute before the gateway's floor: judged at the floor, still valid.
      assert.equal(check(report, 'validity').status, 'pass');
      assert.equal(report.bundle.status, 'verified');
    } finally {
      laptopClock = null;
    }
  });

  test('unknown bundles and gateways are refused with a reason', async () => {
    const unknownBundle = await dispatch(engine.handlers, 'bundles.check', { id: '0'.repeat(64), deviceId: agents.get('gw-match')!.id });
    assert.equal(unknownBundle.ok, false);
    assert.equal(!unknownBundle.ok && unknownBundle.error.code, 'bundle_unknown');
    const unknownDevice = await dispatch(engine.handlers, 'bundles.check', { id: bundleId, deviceId: 'f'.repeat(64) });
    assert.equal(!unknownDevice.ok && unknownDevice.error.code, 'unknown_device');
  });
});
