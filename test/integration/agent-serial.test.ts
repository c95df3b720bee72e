/**
 * An agent serving FGP on one end of a socat pty pair; the app's client on the other end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SerialPort } from 'serialport';
import { startAgent, type RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { emulatedDevice } from '../../agent/emulate.js';
import { statusResult } from '../../agent/method-results.js';
import { openPtyPair, type PtyPair } from '../../agent/socat-pty.js';
import { authenticate, hello } from '../../core/protocol/client-session.js';
import { FgpError } from '../../core/protocol/errors.js';
import { encodeFrame } from '../../core/protocol/frame.js';
import { encodeMessage } from '../../core/protocol/messages.js';
import { FgpPeer } from '../../core/protocol/peer.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';

const technician = loadDemoTechnician();

function write(port: SerialPort, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(bytes, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve()))));
  });
}

/**
 * The request that follows a half frame shares its frame and is dropped with it (until the
 * next delimiter); a client recovers by asking again, which is what this does.
 */
async function requestRecovering(peer: FgpPeer, method: string): Promise<unknown> {
  try {
    return await peer.request(method, {}, 2000);
  } catch (err) {
    if (!(err instanceof FgpError) || err.code !== 'timeout') throw err;
    return peer.request(method, {}, 5000);
  }
}

describe('agent on a serial line (socat pty)', { timeout: 30_000 }, () => {
  let dir: string;
  let pty: PtyPair;
  let agent: RunningAgent;
  let port: SerialPort;
  let peer: FgpPeer;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-agent-serial-'));
    pty = await openPtyPair(path.join(dir, 'agent.tty'), path.join(dir, 'client.tty'));
    agent = await startAgent({
      stateDir: path.join(dir, 'state'),
      device: emulatedDevice(2, 3),
      trust: [technician.trustEntry],
      tcp: false,
      mdns: false,
      udp: false,
      serialPath: pty.agentPath,
    });
    port = await openSerial({ path: pty.clientPath, baudRate: 115200 });
    peer = new FgpPeer(port);
  });

  after(async () => {
    peer.close();
    await closeSerial(port);
    await agent.close();
    await pty.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('hello and auth work over the pty', async () => {
    const descriptor = await hello(peer, { client: 'serial-test' });
    assert.equal(descriptor.id, agent.id);
    assert.equal(descriptor.model, 'Sentinel S3');
    assert.equal(descriptor.maxFrame, 8 * 1024, 'serial frames are kept small');
    await authenticate(peer, descriptor.id, technician.identity);
    const status = statusResult.parse(await peer.request('status'));
    assert.equal(status.link.transport, 'serial');
  });

  test('garbage and half frames on the line: no crash, and the session recovers', async () => {
    const before = statusResult.parse(await peer.request('status')).link.framesDropped;
    // Noise with delimiters in it, a frame with a broken CRC, and a frame cut in half.
    await write(port, new Uint8Array(randomBytes(512)));
    await write(port, new Uint8Array([0x00, 0x00, 0xff, 0xfe, 0x00]));
    const good = encodeFrame(encodeMessage({ kind: 'request', id: 4242, method: 'status', params: {} }));
    const corrupt = good.slice();
    corrupt[3] = corrupt[3]! ^ 0x55;
    await write(port, corrupt);
    await write(port, good.subarray(0, Math.floor(good.length / 2)));

    const status = statusResult.parse(await requestRecovering(peer, 'status'));
    assert.ok(status.link.framesDropped > before, `the agent counted the bad frames (${before} → ${status.link.framesDropped})`);
    assert.equal(status.firmware.activeSlot, 'a');
  });

  test('a half frame followed by a delimiter costs nothing: the next request is answered', async () => {
    const good = encodeFrame(encodeMessage({ kind: 'request', id: 4243, method: 'status', params: {} }));
    await write(port, good.subarray(0, 7));
    await write(port, new Uint8Array([0x00]));
    assert.ok(statusResult.safeParse(await peer.request('status', {}, 5000)).success);
  });

  test('a new hello on the line starts a new session: the technician must authenticate again', async () => {
    const descriptor = await hello(peer);
    await assert.rejects(peer.request('status'), (err: unknown) => err instanceof FgpError && err.code === 'unauthenticated');
    await authenticate(peer, descriptor.id, technician.identity);
    assert.ok(statusResult.safeParse(await peer.request('status')).success);
  });
});
