/**
 * A real agent on 127.0.0.1 over TLS 1.3, driven by the app's own client code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { configGetResult, statusResult } from '../../agent/method-results.js';
import { authenticate, hello } from '../../core/protocol/client-session.js';
import { FgpError } from '../../core/protocol/errors.js';
import { NONCE_BYTES } from '../../core/protocol/handshake.js';
import { generateIdentity, signBytes } from '../../core/protocol/identity.js';
import { FgpPeer } from '../../core/protocol/peer.js';
import { openTcp } from '../../core/transport/tcp.js';

const technician = loadDemoTechnician();

async function connect(agent: RunningAgent): Promise<{ peer: FgpPeer; transportKey: Uint8Array | undefined }> {
  const opened = await openTcp({ host: '127.0.0.1', port: agent.tcpPort!, tls: true });
  return { peer: new FgpPeer(opened.stream, { channelBinding: opened.binding }), transportKey: opened.transportKey };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<FgpError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FgpError, `expected an FgpError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected the call to fail with ${code}`);
}

describe('agent session over TLS', { timeout: 30_000 }, () => {
  let dir: string;
  let agent: RunningAgent;
  const peers: FgpPeer[] = [];
  const open = async (): Promise<FgpPeer> => {
    const { peer } = await connect(agent);
    peers.push(peer);
    return peer;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-session-'));
    agent = await startAgent({
      stateDir: path.join(dir, 'state'),
      device: emulatedDevice(1, 3),
      trust: [technician.trustEntry],
      tcp: { host: '127.0.0.1', port: 0 },
      mdns: false,
      udp: false,
    });
  });

  after(async () => {
    for (const p of peers) p.close();
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('hello answers a descriptor proven by the device key, matching the TLS certificate', async () => {
    const { peer, transportKey } = await connect(agent);
    peers.push(peer);
    assert.ok(transportKey, 'the TLS server presented an Ed25519 certificate');
    const descriptor = await hello(peer, { transportKey });
    assert.equal(descriptor.id, agent.id);
    assert.equal(descriptor.protocol, 1);
    assert.equal(descriptor.name, 'gw-02');
    assert.equal(descriptor.model, 'EdgeBox X2');
    assert.equal(descriptor.firmware.activeSlot, 'a');
    assert.equal(descriptor.firmware.version, descriptor.slots.find((s) => s.name === 'a')?.version);
    assert.deepEqual(descriptor.accelerators, [{ kind: 'npu', name: 'Hailo-8L' }]);
    assert.ok(descriptor.capabilities.includes('status') && descriptor.capabilities.includes('config.get'));
    assert.equal(descriptor.maxFrame, 1024 * 1024);
  });

  test('status and config.get before hello → hello_required; before auth → unauthenticated; then values', async () => {
    const peer = await open();
    const early = await rejectsWith(peer.request('status'), 'hello_required');
    assert.match(early.message, /hello/);
    // The auth signature covers the device id: the client must have verified it in hello first.
    await rejectsWith(peer.request('auth.challenge', { publicKey: technician.identity.publicKey }), 'hello_required');
    const descriptor = await hello(peer);
    await rejectsWith(peer.request('status'), 'unauthenticated');
    await rejectsWith(peer.request('config.get'), 'unauthenticated');
    const who = await authenticate(peer, descriptor.id, technician.identity);
    assert.deepEqual(who, { technician: 'Demo Technician', role: 'technician' });

    const status = statusResult.parse(await peer.request('status'));
    assert.equal(status.firmware.activeSlot, 'a');
    assert.equal(status.firmware.version, descriptor.firmware.version);
    assert.equal(status.link.transport, 'tls');
    assert.ok(status.memory.totalBytes > 0);
    assert.ok(status.disk !== null && status.disk.freeBytes > 0);
    assert.ok(status.time > Date.UTC(2024, 0, 1));

    const config = configGetResult.parse(await peer.request('config.get'));
    assert.equal(config.hostname, 'gw-02');
    assert.equal(config.timezone, 'UTC');
    assert.deepEqual(config.network.interfaces, [{ name: 'eth0', mode: 'dhcp' }]);
  });

  test('a technician key the gateway does not trust → untrusted_key, with how to enrol it', async () => {
    const peer = await open();
    const descriptor = await hello(peer);
    const stranger = generateIdentity();
    const err = await rejectsWith(authenticate(peer, descriptor.id, stranger), 'untrusted_key');
    assert.match(err.message, /--trust [0-9a-f]{64}/);
    assert.match(err.message, /trusted-technicians\.json/);
    await rejectsWith(peer.request('status'), 'unauthenticated');
  });

  test('a wrong signature → auth_failed, and the nonce cannot be answered twice', async () => {
    const peer = await open();
    const descriptor = await hello(peer);
    const challenge = (await peer.request('auth.challenge', { publicKey: technician.identity.publicKey })) as { nonce: Uint8Array };
    assert.equal(challenge.nonce.length, NONCE_BYTES);
    const wrong = signBytes(technician.identity, new TextEncoder().encode('not the auth message'));
    await rejectsWith(peer.request('auth.respond', { signature: wrong }), 'auth_failed');
    // The right answer to the consumed nonce no longer counts.
    const again = await rejectsWith(peer.request('auth.respond', { signature: wrong }), 'auth_failed');
    assert.match(again.message, /no challenge is pending/);
    await rejectsWith(peer.request('status'), 'unauthenticated');
    // A fresh challenge still works.
    await authenticate(peer, descriptor.id, technician.identity);
    assert.ok(statusResult.safeParse(await peer.request('status')).success);
  });

  test('an unknown method → unknown_method naming it; bad params → invalid_params with the reason', async () => {
    const peer = await open();
    const unknown = await rejectsWith(peer.request('flux.capacitate'), 'unknown_method');
    assert.match(unknown.message, /flux\.capacitate/);
    const bad = await rejectsWith(peer.request('hello', { versions: [1], nonce: new Uint8Array(3), maxFrame: 4096 }), 'invalid_params');
    assert.match(bad.message, /nonce/);
    assert.match(bad.message, /32 bytes/);
  });

  test('an unsupported protocol version → unsupported_version naming both', async () => {
    const peer = await open();
    const err = await rejectsWith(
      peer.request('hello', { versions: [99], nonce: new Uint8Array(NONCE_BYTES), maxFrame: 4096 }),
      'unsupported_version',
    );
    assert.match(err.message, /99/);
    assert.match(err.message, /version 1\b/);
    assert.deepEqual(err.data, { supported: [1], offered: [99] });
  });

  test('many requests in flight at once are all answered', async () => {
    const peer = await open();
    const descriptor = await hello(peer);
    await authenticate(peer, descriptor.id, technician.identity);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => peer.request(i % 2 ? 'status' : 'config.get')));
    assert.equal(results.length, 60);
    results.forEach((r, i) => assert.ok((i % 2 ? statusResult : configGetResult).safeParse(r).success, `answer ${i} has the right shape`));
  });

  test('a small frame size offered by the client is honoured, and one too small for the descriptor is refused clearly', async () => {
    const peer = await open();
    const descriptor = await hello(peer, { maxFrame: 2048 });
    assert.equal(descriptor.maxFrame, 2048);
    await authenticate(peer, descriptor.id, technician.identity);
    assert.equal(statusResult.parse(await peer.request('status')).link.maxFrame, 2048);

    const tiny = await open();
    const err = await rejectsWith(hello(tiny, { maxFrame: 256 }), 'frame_too_large');
    assert.match(err.message, /descriptor is \d+ bytes/);
    assert.match(err.message, /at least \d+/);
  });
});

describe('agent over plain TCP (debugging)', { timeout: 30_000 }, () => {
  test('hello and auth work without TLS, with an empty channel binding', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-plain-'));
    const agent = await startAgent({
      stateDir: dir,
      device: emulatedDevice(0, 1),
      trust: [technician.trustEntry],
      tcp: { host: '127.0.0.1', port: 0, tls: false },
      mdns: false,
      udp: false,
    });
    const opened = await openTcp({ host: '127.0.0.1', port: agent.tcpPort!, tls: false });
    const peer = new FgpPeer(opened.stream, { channelBinding: opened.binding });
    try {
      assert.equal(agent.announcement()?.tls, false);
      const descriptor = await hello(peer);
      await authenticate(peer, descriptor.id, technician.identity);
      assert.equal(statusResult.parse(await peer.request('status')).link.transport, 'tcp');
    } finally {
      peer.close();
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('agent shutdown', { timeout: 30_000 }, () => {
  test('close() ends idle sessions and connections still in the TLS handshake, and frees the port', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-close-'));
    const agent = await startAgent({
      stateDir: dir,
      device: emulatedDevice(0, 1),
      tcp: { host: '127.0.0.1', port: 0 },
      mdns: false,
      udp: false,
    });
    const port = agent.tcpPort!;
    const half = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => half.once('connect', () => resolve()));
    const halfClosed = new Promise<void>((resolve) => half.once('close', () => resolve()));
    half.on('error', () => {});
    const { peer } = await connect(agent);
    const peerClosed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
    await agent.close();
    await Promise.all([halfClosed, peerClosed]);
    assert.ok(peer.isClosed);
    // The port is free again: a new listener can take it.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
});

describe('agent identity persistence', { timeout: 30_000 }, () => {
  test('a restart with the same state directory keeps the device id and configuration', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-restart-'));
    try {
      const options = {
        stateDir: dir,
        device: emulatedDevice(0, 1),
        tcp: { host: '127.0.0.1', port: 0 },
        mdns: false,
        udp: false,
      } as const;
      const first = await startAgent(options);
      const firstId = first.id;
      const firstSerial = first.descriptor().serial;
      await first.close();
      // Different identity values on restart must not override what the state directory holds.
      const second = await startAgent({ ...options, device: emulatedDevice(5, 9) });
      try {
        assert.equal(second.id, firstId);
        assert.equal(second.descriptor().serial, firstSerial);
        const { peer } = await connect(second);
        try {
          assert.equal((await hello(peer)).id, firstId);
        } finally {
          peer.close();
        }
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
