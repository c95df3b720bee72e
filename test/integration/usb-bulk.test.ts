/**
 * FGP over the USB bulk transport against the real reference agent.
 *
 * The bus is the one part that cannot exist here: a replayed endpoint pair with the reference
 * gadget's recorded descriptor (512-byte packets, short packets, zero-length packets) stands at
 * that boundary, and its device side relays to one end of a socat pty pair where the agent serves
 * FGP exactly as it does on a serial line. The app side goes through openDeviceSession with a
 * `usb` path, so the engine's code path is the one under test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SerialPort } from 'serialport';
import type { RunningAgent } from '../../agent/agent.js';
import { loadDemoTechnician } from '../../agent/demo-technician.js';
import { openPtyPair, type PtyPair } from '../../agent/socat-pty.js';
import { makeDemoBundles, type DemoBundleSet } from '../../cli/demo-bundles.js';
import type { DevicePath } from '../../core/api/schemas.js';
import { openDeviceSession, type DeviceSession } from '../../core/engine/device-session.js';
import { authenticate } from '../../core/protocol/client-session.js';
import { closeSerial, openSerial } from '../../core/transport/serial.js';
import type { UsbBulkStream } from '../../core/transport/usb-bulk.js';
import { loadArtifact, startFlashAgent, upload } from '../helpers/agent-flash-client.js';
import { bridgeToSerial, SimulatedBulkDevice } from '../helpers/usb-bulk-bridge.js';

const log = (m: string): void => void process.stderr.write(`# ${m}\n`);

describe('FGP over USB bulk: the real agent behind a replayed bulk interface', { timeout: 180_000 }, () => {
  let dir: string;
  let bundles: DemoBundleSet;
  let pty: PtyPair;
  let agent: RunningAgent;
  let line: SerialPort;
  let device: SimulatedBulkDevice;
  let unbridge: () => void;
  let usbPath: DevicePath;
  let session: DeviceSession;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fieldline-usb-bulk-'));
    bundles = await makeDemoBundles(path.join(dir, 'bundles'), { imageBytes: 16 * 1024 * 1024 });
    pty = await openPtyPair(path.join(dir, 'agent.tty'), path.join(dir, 'gadget.tty'));
    agent = await startFlashAgent(path.join(dir, 'state'), { tcp: false, serialPath: pty.agentPath });
    line = await openSerial({ path: pty.clientPath, baudRate: 115200 });
    device = new SimulatedBulkDevice();
    unbridge = bridgeToSerial(device, line);
    const t = device.recorded.target;
    usbPath = {
      transport: 'usb',
      busPath: t.busPath,
      vendorId: t.vendorId,
      productId: t.productId,
      serial: t.serial,
      fgp: { interfaceNumber: t.interfaceNumber, endpointIn: t.endpointIn, endpointOut: t.endpointOut },
      via: 'usb',
    };
  });

  after(async () => {
    await session?.close().catch(() => undefined);
    unbridge?.();
    await closeSerial(line).catch(() => undefined);
    await agent?.close();
    await pty?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('openDeviceSession on the usb path completes hello (device key proven) and auth', async () => {
    session = await openDeviceSession(usbPath, { usb: device, expectId: agent.id, timeoutMs: 30_000 });
    assert.equal(session.descriptor.id, agent.id);
    assert.equal(session.descriptor.maxFrame, 8 * 1024, 'the agent sized frames for its serial line');
    assert.deepEqual(session.path, usbPath);
    await authenticate(session.peer, session.descriptor.id, loadDemoTechnician().identity);
    assert.equal(device.isClaimed, true);
  });

  test('a multi-megabyte OS image bundle uploads, verifies and commits over bulk transfers', async () => {
    const image = await loadArtifact(bundles.osImage.file);
    assert.ok(image.size > 4 * 1024 * 1024, `the bundle is ${image.size} bytes`);
    const stream = session.peer.stream as UsbBulkStream;
    const before = { ...stream.stats };
    const started = process.hrtime.bigint();
    const result = await upload(session.peer, image);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    assert.equal(result.verified, true);
    const sent = stream.stats.bytesOut - before.bytesOut;
    assert.ok(sent >= image.size, `${sent} bytes went out in bulk transfers`);
    assert.ok(stream.stats.transfersIn - before.transfersIn > 0, 'answers came back in bulk transfers');
    assert.equal(device.log.bytesLost, 0, 'no transfer was cancelled with data in it');
    assert.equal(device.pendingDeviceRead, 0, 'every write reached the agent (zero-length packets where needed)');
    log(
      `usb bulk (replayed, bridged to a pty): ${image.size} bytes in ${seconds.toFixed(2)} s = ${(image.size / seconds / 1e6).toFixed(2)} MB/s; ` +
        `${stream.stats.transfersOut - before.transfersOut} OUT transfers (${stream.stats.zlpOut - before.zlpOut} ZLP), ${stream.stats.transfersIn - before.transfersIn} IN transfers`,
    );
  });

  test('the model installs and a benchmark runs over the same session', async () => {
    const model = await loadArtifact(bundles.model.file);
    assert.equal((await upload(session.peer, model)).verified, true);
    assert.deepEqual(await session.peer.request('install', { sha256: model.sha256 }, 60_000), {
      model: 'Fieldline Demo Classifier',
      version: '1.0.0',
    });
    const bench = (await session.peer.request(
      'bench.run',
      { model: { name: 'Fieldline Demo Classifier', version: '1.0.0' }, warmup: 2, iterations: 200 },
      120_000,
    )) as { iterations: number; cancelled: boolean };
    assert.equal(bench.iterations, 200);
    assert.equal(bench.cancelled, false);
  });

  test('closing the session releases the interface; a new session claims it and says hello again', async () => {
    await session.close();
    assert.equal(device.isClaimed, false);
    session = await openDeviceSession(usbPath, { usb: device, expectId: agent.id, timeoutMs: 30_000 });
    assert.equal(session.descriptor.id, agent.id);
    await authenticate(session.peer, session.descriptor.id, loadDemoTechnician().identity);
    const status = (await session.peer.request('status', {})) as Record<string, unknown>;
    assert.ok(status, 'status answered');
  });

  test('unplugging mid-session fails the pending request with device_gone, and the session closes', async () => {
    const pending = session.peer.request('status', {}, 10_000);
    device.unplug();
    await assert.rejects(pending, (err: Error) => {
      assert.match(err.message, /unplugged or reset|connection/);
      return true;
    });
    assert.equal(session.peer.isClosed, true);
  });
});
