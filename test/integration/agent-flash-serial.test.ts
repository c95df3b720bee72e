/**
 * Flash over a simulated 921600-baud UART (two socat pty pairs and a pacing relay): the chunk
 * size and window fit the serial frame limit, and a model uploads and installs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SerialPort } from 'serialport';
import type { RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';
import { authenticate, hello } from '../../core/protocol/client-session.js';
import { FgpPeer } from '../../core/protocol/peer.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';
import { begin, loadArtifact, startFlashAgent, upload, type Artifact } from '../helpers/agent-flash-client.js';
import { startUartRelay, type UartRelay } from '../helpers/uart-relay.js';

describe('agent flash over a paced UART', { timeout: 120_000 }, () => {
  let dir: string;
  let bundles: DemoBundleSet;
  let model: Artifact;
  let relay: UartRelay;
  let agent: RunningAgent;
  let port: SerialPort;
  let peer: FgpPeer;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-flash-serial-'));
    bundles = await makeDemoBundles(path.join(dir, 'bundles'), { imageBytes: 64 * 1024 });
    model = await loadArtifact(bundles.model.file);
    relay = await startUartRelay({ dir, baud: 921_600 });
    agent = await startFlashAgent(path.join(dir, 'state'), { tcp: false, serialPath: relay.agentPath, serialBaudRate: 921_600 });
    port = await openSerial({ path: relay.appPath, baudRate: 921_600 });
    peer = new FgpPeer(port, { requestTimeoutMs: 30_000 });
    const descriptor = await hello(peer, { client: 'flash-serial-test' });
    await authenticate(peer, descriptor.id, loadDemoTechnician().identity);
  });

  after(async () => {
    peer.close();
    await closeSerial(port).catch(() => undefined);
    await agent.close();
    await relay.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('maxChunk and window fit the serial frame limit; the model uploads through the paced line and installs', async () => {
    const b = await begin(peer, model);
    assert.equal(b.maxChunk, 4096);
    assert.equal(b.window, 4);
    assert.equal((await upload(peer, model)).verified, true);
    assert.ok(relay.stats().toAgent >= model.size, 'every byte went through the relay');
    assert.deepEqual(await peer.request('install', { sha256: model.sha256 }, 60_000), {
      model: 'Fieldline Demo Classifier',
      version: '1.0.0',
    });
    assert.deepEqual(
      agent.descriptor().models.map((m) => m.name),
      ['Fieldline Demo Classifier'],
    );
  });
});
