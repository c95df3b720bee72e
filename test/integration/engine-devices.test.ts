/**
 * The engine end to end against real agents on loopback: discovery → info → authenticate,
 * through the same validated dispatch the UI hosts use.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { dispatch } from '../../core/api/dispatch.js';
import type { Device } from '../../core/api/schemas.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { openDatabase } from '../../core/store/database.js';
import { ProfileStore } from '../../core/store/profile-store.js';

const UDP_PORT = 40000 + (process.pid % 20000);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function call(
  engine: Engine,
  method: string,
  params: unknown = {},
): Promise<{ ok: true; value: unknown } | { ok: false; error: { code: string; message: string; fix?: string } }> {
  return dispatch(engine.handlers, method, params);
}

describe('engine against real agents on loopback', () => {
  let dir: string;
  let engine: Engine;
  const agents: RunningAgent[] = [];
  const demo = loadDemoTechnician();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-engine-'));
    for (const name of ['gw-a', 'gw-b']) {
      agents.push(
        await startAgent({
          stateDir: join(dir, name),
          device: { name, serial: `SN-${name}`, model: 'EdgeBox X1', vendor: 'Acme' },
          trust: [demo.trustEntry],
          tcp: { host: '127.0.0.1', port: 0 },
          mdns: false,
          udp: { port: UDP_PORT, interfaces: ['127.0.0.1'] },
        }),
      );
    }
    const appDir = join(dir, 'app');
    const db = openDatabase(appDir);
    new ProfileStore(db, appDir).create(demo.name, demo.organisation, demo.identity);
    db.close();
    engine = await createEngine({ dataDir: appDir, host: 'cli', discovery: { interfaces: ['lo'], udpPort: UDP_PORT } });
  });

  after(async () => {
    await engine?.close();
    await Promise.all(agents.map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  });

  test('discovery finds both agents by UDP probe and lists them with their TLS paths', async () => {
    const started = await call(engine, 'discovery.start', { interfaces: ['lo'] });
    assert.equal(started.ok, true);
    const devices = await until('both agents', async () => {
      const listed = await call(engine, 'devices.list');
      const found = listed.ok ? (listed.value as Device[]).filter((d) => agents.some((a) => a.id === d.id)) : [];
      return found.length === 2 ? found : undefined;
    });
    for (const device of devices) {
      const agent = agents.find((a) => a.id === device.id)!;
      assert.equal(device.name, agent.name);
      assert.ok(device.paths.some((p) => p.transport === 'tcp' && p.port === agent.tcpPort && p.tls));
      assert.equal(device.state, 'online');
    }
  });

  test('devices.info opens a verified session and stores the whole descriptor', async () => {
    const result = await call(engine, 'devices.info', { id: agents[0]!.id });
    assert.equal(result.ok, true, JSON.stringify(result));
    const device = (result as { value: Device }).value;
    assert.equal(device.descriptor?.serial, 'SN-gw-a');
    assert.equal(device.descriptor?.id, agents[0]!.id);
    assert.equal(device.descriptor?.model, 'EdgeBox X1');
  });

  test('devices.authenticate succeeds with a trusted technician key', async () => {
    const result = await call(engine, 'devices.authenticate', { id: agents[1]!.id });
    assert.deepEqual(result.ok && (result.value as { technician: string }).technician, demo.name);
    const listed = await call(engine, 'devices.list');
    assert.ok(listed.ok && (listed.value as Device[]).find((d) => d.id === agents[1]!.id)?.authenticated);
  });

  test('devices.add reaches a gateway by address; a bad address gets a specific error', async () => {
    const added = await call(engine, 'devices.add', { address: `127.0.0.1:${agents[0]!.tcpPort}` });
    assert.equal(added.ok && (added.value as Device).id, agents[0]!.id);
    const bad = await call(engine, 'devices.add', { address: 'not an address!' });
    assert.equal(!bad.ok && bad.error.code, 'bad_address');
    const refused = await call(engine, 'devices.add', { address: '127.0.0.1:1' });
    assert.equal(!refused.ok && refused.error.code, 'connection_refused');
    assert.ok(!refused.ok && refused.error.fix);
  });

  test('invalid calls are answered with reasons, never thrown', async () => {
    const unknown = await call(engine, 'devices.explode');
    assert.equal(!unknown.ok && unknown.error.code, 'unknown_method');
    const invalid = await call(engine, 'devices.info', { id: 'xyz' });
    assert.equal(!invalid.ok && invalid.error.code, 'invalid_params');
    assert.match(!invalid.ok ? invalid.error.message : '', /id:/);
    const missing = await call(engine, 'devices.info', { id: 'a'.repeat(64) });
    assert.equal(!missing.ok && missing.error.code, 'unknown_device');
  });
});

describe('trust and pinning', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-pin-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a technician key the gateway does not trust is refused with how to enrol it', async () => {
    const agent = await startAgent({
      stateDir: join(dir, 'gw'),
      device: { name: 'gw', serial: 'SN-1' },
      tcp: { host: '127.0.0.1', port: 0 },
      mdns: false,
      udp: false,
    });
    const engine = await createEngine({ dataDir: join(dir, 'app-untrusted'), host: 'cli' });
    try {
      assert.equal((await call(engine, 'profile.create', { name: 'New Tech', organisation: 'Acme' })).ok, true);
      assert.equal((await call(engine, 'devices.add', { address: `127.0.0.1:${agent.tcpPort}` })).ok, true);
      const auth = await call(engine, 'devices.authenticate', { id: agent.id });
      assert.equal(!auth.ok && auth.error.code, 'untrusted_key');
    } finally {
      await engine.close();
      await agent.close();
    }
  });

  test('a gateway that comes back with a different key for the same serial is refused loudly', async () => {
    const stateDir = join(dir, 'rekeyed');
    const first = await startAgent({
      stateDir,
      device: { name: 'gw-pin', serial: 'SN-PIN', vendor: 'Acme', model: 'EdgeBox X2' },
      tcp: { host: '127.0.0.1', port: 0 },
      mdns: false,
      udp: false,
    });
    const engine = await createEngine({ dataDir: join(dir, 'app-pin'), host: 'cli' });
    try {
      const ok = await call(engine, 'devices.add', { address: `127.0.0.1:${first.tcpPort}` });
      assert.equal(ok.ok, true);
      await first.close();
      await rm(join(stateDir, 'device-key.pem'));
      const second = await startAgent({ stateDir, tcp: { host: '127.0.0.1', port: 0 }, mdns: false, udp: false });
      try {
        assert.notEqual(second.id, first.id);
        const refused = await call(engine, 'devices.add', { address: `127.0.0.1:${second.tcpPort}` });
        assert.equal(!refused.ok && refused.error.code, 'pin_mismatch');
        assert.match(!refused.ok ? refused.error.message : '', /WARNING: Acme EdgeBox X2 serial SN-PIN answered with a different key/);
      } finally {
        await second.close();
      }
    } finally {
      await engine.close();
    }
  });
});
