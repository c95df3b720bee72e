/**
 * The USB bulk transport against an endpoint pair that replays real packet semantics
 * (test/helpers/usb-bulk-bridge.ts): packetization, zero-length packets, idle polling without
 * loss, backpressure, and the stall / unplug / permission / busy errors with their messages.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { DevicePath } from '../../core/api/schemas.js';
import { isUsbBulkOpener } from '../../core/discovery/usb/adapter.js';
import { NativeUsbAdapter } from '../../core/discovery/usb/usb-adapter.js';
import { describePath, openDeviceSession, rankPaths } from '../../core/engine/device-session.js';
import { FgpError } from '../../core/protocol/errors.js';
import { openUsbBulk, type UsbBulkOptions, type UsbBulkStream } from '../../core/transport/usb-bulk.js';
import { SimulatedBulkDevice, type SimulatedDeviceOptions } from '../helpers/usb-bulk-bridge.js';

async function open(
  deviceOptions: SimulatedDeviceOptions = {},
  options: UsbBulkOptions = {},
): Promise<{ device: SimulatedBulkDevice; stream: UsbBulkStream; reads: Buffer[] }> {
  const device = new SimulatedBulkDevice(deviceOptions);
  const reads: Buffer[] = [];
  device.onDeviceRead = (d) => reads.push(Buffer.from(d));
  const stream = await openUsbBulk(device, device.recorded.target, { pollTimeoutMs: 20, ...options });
  return { device, stream, reads };
}

function write(stream: UsbBulkStream, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => stream.write(bytes, (err) => (err ? reject(err) : resolve())));
}

async function close(stream: UsbBulkStream): Promise<void> {
  if (stream.closed) return;
  const closed = once(stream, 'close');
  stream.destroy();
  await closed;
}

/** The error the stream ends with, once it has closed (and released the interface). */
async function streamError(stream: UsbBulkStream): Promise<FgpError> {
  // events.once rejects on 'error' when waiting for anything else: plain listeners here.
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  const err = await new Promise<unknown>((resolve) => stream.once('error', resolve));
  await closed;
  assert.ok(err instanceof FgpError, `expected an FgpError, got ${String(err)}`);
  return err;
}

/** Collects what the host reads until `n` bytes arrived. */
function collect(stream: UsbBulkStream, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      got += chunk.length;
      if (got >= n) {
        stream.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    stream.on('data', onData);
  });
}

describe('USB bulk transport: packets', () => {
  test('the recorded reference gadget gives interface 4, endpoints 0x85/0x03, 512-byte packets', () => {
    const device = new SimulatedBulkDevice();
    assert.deepEqual(
      { i: device.recorded.target.interfaceNumber, in: device.recorded.target.endpointIn, out: device.recorded.target.endpointOut },
      { i: 4, in: 0x85, out: 0x03 },
    );
    assert.equal(device.packetSizeIn, 512);
    assert.equal(device.packetSizeOut, 512);
  });

  test('a write that ends in a short packet needs no zero-length packet; an exact multiple gets one', async () => {
    const { device, stream, reads } = await open();
    try {
      const short = randomBytes(1000);
      await write(stream, short);
      assert.equal(stream.stats.zlpOut, 0);
      assert.deepEqual(reads, [short], 'the device read completed on the 488-byte packet');
      const exact = randomBytes(1024);
      await write(stream, exact);
      assert.equal(stream.stats.zlpOut, 1);
      assert.equal(device.log.zlpsFromHost, 1);
      assert.deepEqual(reads[1], exact, 'the zero-length packet completed the device read of 2 whole packets');
      assert.equal(device.pendingDeviceRead, 0);
    } finally {
      await close(stream);
    }
  });

  test('without the zero-length packet the device read of an exact multiple would wait: the rule is needed', async () => {
    const device = new SimulatedBulkDevice();
    const reads: Uint8Array[] = [];
    device.onDeviceRead = (d) => reads.push(d);
    const pipe = await device.openBulk(device.recorded.target);
    await pipe.transferOut(randomBytes(1024), 100);
    assert.equal(reads.length, 0);
    assert.equal(device.pendingDeviceRead, 1024);
    await pipe.transferOut(new Uint8Array(0), 100);
    assert.equal(reads.length, 1);
    await pipe.close();
  });

  test('a large write goes out in transfers of whole packets and arrives intact', async () => {
    const { stream, reads } = await open({ deviceReadSize: 16 * 1024 }, { maxTransfer: 64 * 1024 });
    try {
      const big = randomBytes(300_000);
      await write(stream, big);
      assert.equal(stream.stats.transfersOut, 5, '4 × 64 KiB + the 37,856-byte rest');
      assert.deepEqual(Buffer.concat(reads), big);
    } finally {
      await close(stream);
    }
  });

  test('device writes of every size reach the host in order: short, exact multiples (with ZLP), larger than a transfer', async () => {
    const { device, stream } = await open({}, { maxTransfer: 16 * 1024 });
    try {
      const sizes = [1, 511, 512, 513, 1024, 4096, 16 * 1024, 16 * 1024 + 512, 100_000];
      const sent = sizes.map((n) => randomBytes(n));
      const total = sizes.reduce((a, b) => a + b, 0);
      const received = collect(stream, total);
      for (const s of sent) await device.deviceWrite(s);
      assert.deepEqual(await received, Buffer.concat(sent));
      assert.equal(device.log.bytesLost, 0);
    } finally {
      await close(stream);
    }
  });

  test('idle polling cancels only single-packet transfers, so nothing is lost however writes and timeouts interleave', async () => {
    const { device, stream } = await open({}, { pollTimeoutMs: 1 });
    try {
      const sent: Buffer[] = [];
      for (let i = 0; i < 40; i++) sent.push(randomBytes(1 + ((i * 7919) % 6000)));
      const total = sent.reduce((a, b) => a + b.length, 0);
      const received = collect(stream, total);
      for (const s of sent) {
        await new Promise((r) => setTimeout(r, 2));
        await device.deviceWrite(s);
      }
      assert.deepEqual(await received, Buffer.concat(sent));
      assert.ok(stream.stats.idleTimeouts > 0, 'the host did time out while idle');
      assert.equal(device.log.inTransfersCancelledWithData, 0);
    } finally {
      await close(stream);
    }
  });

  test('the replayed stack loses what a cancelled multi-packet transfer took (why the transport never lets one time out while idle)', async () => {
    const device = new SimulatedBulkDevice({ deviceSendsZlp: false });
    const pipe = await device.openBulk(device.recorded.target);
    await device.deviceWrite(randomBytes(1024));
    assert.deepEqual(await pipe.transferIn(4096, 30), { kind: 'timeout' });
    assert.equal(device.log.bytesLost, 1024);
    await pipe.close();
  });

  test('a device that stops mid-write (no short or zero-length packet) desynchronises the line: said so, not hidden', async () => {
    const { device, stream } = await open({ deviceSendsZlp: false }, { streamTimeoutMs: 50 });
    const error = streamError(stream);
    stream.resume();
    await device.deviceWrite(randomBytes(1024));
    const err = await error;
    assert.equal(err.code, 'usb_desync');
    assert.match(err.message, /usb 1-3 \(1d6b:0104\) stopped in the middle of a write for 50 ms; bytes already sent were lost/);
    assert.match(err.fix ?? '', /short or zero-length packet/);
    assert.equal(device.isClaimed, false, 'the interface was released');
  });
});

describe('USB bulk transport: backpressure and close', () => {
  test('a device that NAKs holds the write until it has room', async () => {
    const { device, stream, reads } = await open();
    try {
      device.setAccepting(false);
      let done = false;
      const w = write(stream, randomBytes(2000)).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(done, false);
      device.setAccepting(true);
      await w;
      assert.equal(reads.length, 1);
    } finally {
      await close(stream);
    }
  });

  test('a device that accepts nothing for the write timeout fails the write with what to check', async () => {
    const { device, stream } = await open({}, { writeTimeoutMs: 40 });
    device.setAccepting(false);
    const error = streamError(stream);
    stream.write(randomBytes(100));
    const err = await error;
    assert.equal(err.code, 'usb_write_timeout');
    assert.match(err.message, /accepted no data for 40 ms/);
    assert.match(err.fix ?? '', /not reading its USB interface/);
  });

  test('the host stops reading when its buffer is full and resumes when drained, losing nothing', async () => {
    const { device, stream } = await open();
    try {
      stream.pause();
      const sent = [randomBytes(200_000), randomBytes(200_000), randomBytes(200_000)];
      const writes = Promise.all(sent.map((s) => device.deviceWrite(s)));
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(stream.readableLength <= 256 * 1024 + 64 * 1024, `the host buffered ${stream.readableLength} bytes`);
      const received = collect(stream, 600_000);
      stream.resume();
      await writes;
      assert.deepEqual(await received, Buffer.concat(sent));
    } finally {
      await close(stream);
    }
  });

  test('closing releases the interface, so the next session can claim it', async () => {
    const { device, stream } = await open();
    await close(stream);
    assert.equal(device.isClaimed, false);
    assert.equal(device.log.closes, 1);
    const again = await openUsbBulk(device, device.recorded.target, { pollTimeoutMs: 20 });
    await close(again);
  });
});

describe('USB bulk transport: errors', () => {
  test('an IN stall: the halt is cleared and the error says so', async () => {
    const { device, stream } = await open();
    const error = streamError(stream);
    stream.resume();
    device.stall('in');
    const err = await error;
    assert.equal(err.code, 'usb_stall');
    assert.equal(err.message, 'usb 1-3 (1d6b:0104) stalled IN endpoint 0x85 (the gateway refused the transfer); the halt was cleared');
    assert.match(err.fix ?? '', /Reconnect/);
    assert.deepEqual(device.log.haltsCleared, ['in']);
    assert.equal(device.isClaimed, false);
  });

  test('an OUT stall fails the write, clears the halt on 0x03 and says so', async () => {
    const { device, stream } = await open();
    device.stall('out');
    const error = streamError(stream);
    stream.write(randomBytes(10));
    const err = await error;
    assert.equal(err.code, 'usb_stall');
    assert.match(err.message, /stalled OUT endpoint 0x03 .*; the halt was cleared/);
    assert.deepEqual(device.log.haltsCleared, ['out']);
  });

  test('an unplugged device ends the stream with device_gone', async () => {
    const { device, stream } = await open();
    const error = streamError(stream);
    stream.resume();
    device.unplug();
    const err = await error;
    assert.equal(err.code, 'device_gone');
    assert.equal(err.message, 'usb 1-3 (1d6b:0104) was unplugged or reset');
    assert.match(err.fix ?? '', /cable/);
  });

  test('permission denied names the udev rule for the vendor', async () => {
    const device = new SimulatedBulkDevice({ openError: 'open error: Permission denied (os error 13)' });
    await assert.rejects(openUsbBulk(device, device.recorded.target), (err: unknown) => {
      assert.ok(err instanceof FgpError);
      assert.equal(err.code, 'permission_denied');
      assert.equal(err.message, 'Permission denied on usb 1-3 (1d6b:0104)');
      assert.match(err.fix ?? '', /SUBSYSTEM=="usb", ATTRS\{idVendor\}=="1d6b", MODE="0660", TAG\+="uaccess"/);
      assert.match(err.fix ?? '', /70-fieldline\.rules/);
      return true;
    });
  });

  test('a claimed interface is busy', async () => {
    const { device, stream } = await open();
    try {
      await assert.rejects(openUsbBulk(device, device.recorded.target), (err: unknown) => {
        assert.ok(err instanceof FgpError);
        assert.equal(err.code, 'port_busy');
        assert.match(err.message, /interface 4 is claimed by another program or a kernel driver/);
        return true;
      });
    } finally {
      await close(stream);
    }
  });

  test('a device missing from the bus is device_gone', async () => {
    const device = new SimulatedBulkDevice();
    await assert.rejects(openUsbBulk(device, { ...device.recorded.target, busPath: '2-1' }), (err: unknown) => {
      assert.ok(err instanceof FgpError);
      assert.equal(err.code, 'device_gone');
      assert.match(err.message, /usb 2-1 \(1d6b:0104\) is not there/);
      return true;
    });
  });
});

describe('USB paths in device sessions', () => {
  const usb = { transport: 'usb', busPath: '1-3', vendorId: '1d6b', productId: '0104', via: 'usb' } as const;
  const fgp = { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 };
  const tcp: DevicePath = { transport: 'tcp', host: '10.0.0.2', port: 48621, tls: true, via: 'mdns' };
  const serial: DevicePath = { transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200, via: 'probe' };

  test('a USB path without an FGP interface is refused, pointing at its serial or network path', async () => {
    await assert.rejects(openDeviceSession(usb, { usb: new SimulatedBulkDevice() }), (err: unknown) => {
      assert.ok(err instanceof FgpError);
      assert.equal(err.code, 'no_fgp_interface');
      assert.match(err.message, /usb 1-3 \(1d6b:0104\) has no FGP bulk interface; .* USB serial or USB network function/);
      assert.match(err.fix ?? '', /serial or network path/);
      return true;
    });
  });

  test('paths rank LAN, then USB bulk, then serial, then USB without FGP', () => {
    const bulk: DevicePath = { ...usb, fgp };
    assert.deepEqual(rankPaths([usb, serial, bulk, tcp]), [tcp, bulk, serial, usb]);
  });

  test('the native adapter and the replayed endpoint pair can open bulk interfaces; a plain object cannot', () => {
    assert.equal(isUsbBulkOpener(new NativeUsbAdapter()), true);
    assert.equal(isUsbBulkOpener(new SimulatedBulkDevice()), true);
    assert.equal(isUsbBulkOpener({ list: () => undefined }), false);
  });

  test('describePath names the port, the ids and the interface', () => {
    assert.equal(describePath({ ...usb, fgp }), 'usb 1-3 (1d6b:0104) interface 4');
    assert.equal(describePath(usb), 'usb 1-3 (1d6b:0104)');
  });
});
