/**
 * Gateways added by address stay fresh through a real check each round, go lost honestly when
 * they stop answering, and come back. Real agents on loopback with mDNS and UDP off, so the
 * manual path is the only way they can be seen.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { dispatch } from '../../core/api/dispatch.js';
import { discoveryReport, type DeviceChange, type DevicePath, type DiscoveryReport } from '../../core/api/schemas.js';
import { DeviceRegistry, Discovery } from '../../core/discovery/index.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';

const UDP_PORT = 40000 + ((process.pid + 7919) % 20000);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function agentAt(stateDir: string, name: string, port = 0): Promise<RunningAgent> {
  return startAgent({
    stateDir,
    device: { name, serial: `SN-${name}`, vendor: 'Acme', model: 'EdgeBox X1' },
    tcp: { host: '127.0.0.1', port },
    mdns: false,
    udp: false,
  });
}

const manualHint = (report: DiscoveryReport): DiscoveryReport['hints'][number] | undefined =>
  report.hints.find((h) => h.code === 'manual-no-answer');

describe('discovery keeps a gateway added by address fresh', () => {
  let dir: string;
  let agent: RunningAgent | null = null;
  let discovery: Discovery | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-manual-'));
  });
  after(async () => {
    await discovery?.stop();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('online across many rounds, lost with the reason when closed, online again when back', { timeout: 60_000 }, async () => {
    const stateDir = join(dir, 'gw-far');
    agent = await agentAt(stateDir, 'gw-far');
    const port = agent.tcpPort!;
    const id = agent.id;
    const path: DevicePath = { transport: 'tcp', host: '127.0.0.1', port, tls: true, via: 'manual' };
    const registry = new DeviceRegistry();
    const changes: DeviceChange[] = [];
    registry.on('change', (c) => {
      if (c.device.id === id) changes.push(c);
    });
    // Longer than the widest gap between discovery's early rounds (250 ms → 1 s), so only a
    // gateway that stopped answering can go lost.
    const lostAfterMs = 1200;
    discovery = new Discovery(registry, {
      mdns: false,
      udp: false,
      serial: false,
      probeIntervalMs: 100,
      lostAfterMs,
      manualTimeoutMs: 1000,
    });
    const reports: DiscoveryReport[] = [];
    discovery.on('report', (r) => reports.push(r));
    await discovery.start();
    discovery.watch(path);

    const first = await until('the first check', () => registry.get(id));
    assert.equal(first.state, 'online');
    assert.equal(first.descriptor?.serial, 'SN-gw-far', 'the check stores the verified hello answer');
    assert.deepEqual(first.paths, [path]);
    // Fresh for far longer than lostAfterMs, by the registry's own timestamps: every round sighted it.
    const fresh = await until('several rounds of sightings', () => {
      const d = registry.get(id)!;
      return d.lastSeen - d.firstSeen > 3 * lostAfterMs ? d : undefined;
    });
    assert.equal(fresh.state, 'online');
    assert.ok(!changes.some((c) => c.kind === 'lost'), 'never marked lost while it answered');
    assert.equal(manualHint(discovery.report()), undefined);

    await agent.close();
    agent = null;
    const lost = await until('the gateway to be marked lost', () => (registry.get(id)?.state === 'lost' ? registry.get(id) : undefined));
    assert.deepEqual(lost.paths, [path], 'a lost gateway keeps the path it was added by');
    assert.ok(
      registry.list().some((d) => d.id === id),
      'kept in the list',
    );
    const why = await until('the report to say why', () => manualHint(discovery!.report()));
    assert.match(why.message, new RegExp(`gw-far \\(added by address at 127\\.0\\.0\\.1:${port}\\) stopped answering`));
    assert.match(why.message, /refused the connection/);
    assert.ok(why.fix.length > 0);
    assert.ok(
      reports.some((r) => manualHint(r) !== undefined),
      'the change was emitted as a report',
    );
    assert.equal(discoveryReport.safeParse(discovery.report()).success, true);

    agent = await agentAt(stateDir, 'gw-far', port);
    assert.equal(agent.id, id, 'same state dir, same key');
    await until('the gateway to be back online', () => (registry.get(id)?.state === 'online' ? true : undefined));
    await until('the hint to clear', () => (manualHint(discovery!.report()) === undefined ? true : undefined));
    assert.deepEqual(
      changes.map((c) => c.kind).filter((k, i, all) => k !== all[i - 1] && k !== 'updated'),
      ['appeared', 'lost'],
      'appeared once, lost once; coming back is an update',
    );
    assert.equal(registry.get(id)!.state, 'online');
  });
});

describe('the engine hands manual paths to discovery', () => {
  let dir: string;
  let agent: RunningAgent | null = null;
  let engine: Engine | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-manual-engine-'));
  });
  after(async () => {
    await engine?.close();
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('devices.add registers the path with the running discovery and with one started later', { timeout: 60_000 }, async () => {
    const stateDir = join(dir, 'gw-add');
    agent = await agentAt(stateDir, 'gw-add');
    const port = agent.tcpPort!;
    engine = await createEngine({ dataDir: join(dir, 'app'), host: 'cli', discovery: { interfaces: ['lo'], udpPort: UDP_PORT } });
    const e = engine;
    const report = async (): Promise<DiscoveryReport> => {
      const r = await dispatch(e.handlers, 'discovery.report', {});
      assert.equal(r.ok, true);
      return (r as { value: DiscoveryReport }).value;
    };

    assert.equal((await dispatch(e.handlers, 'discovery.start', { interfaces: ['lo'] })).ok, true);
    const added = await dispatch(e.handlers, 'devices.add', { address: `127.0.0.1:${port}` });
    assert.equal(added.ok, true, JSON.stringify(added));

    await agent.close();
    agent = null;
    const why = await until('the running discovery to check the added path', async () => manualHint(await report()));
    assert.match(why.message, new RegExp(`gw-add \\(added by address at 127\\.0\\.0\\.1:${port}\\)`));

    // A discovery started after the add (and while the gateway is away) checks it from its first round.
    assert.equal((await dispatch(e.handlers, 'discovery.stop', {})).ok, true);
    assert.equal((await dispatch(e.handlers, 'discovery.start', { interfaces: ['lo'] })).ok, true);
    const again = await until('the restarted discovery to check it', async () => manualHint(await report()));
    assert.match(again.message, /refused the connection/);

    agent = await agentAt(stateDir, 'gw-add', port);
    await until('the hint to clear once the gateway answers', async () => (manualHint(await report()) === undefined ? true : undefined));
  });
});
