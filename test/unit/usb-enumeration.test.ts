import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ReplayUsbAdapter } from '../../core/discovery/usb/replay-adapter.js';
import { mergeUsbCatalogs, shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { UsbEnumerator, type UsbDeviceRecord } from '../../core/discovery/usb/usb-enumerator.js';
import { classifyUsbError, describeUsbError } from '../../core/discovery/usb/usb-errors.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'usb');
const at = (...names: string[]): string[] => names.map((n) => join(fixtures, `${n}.json`));
const catalog = mergeUsbCatalogs(shippedUsbCatalog(), []);

async function enumerate(...names: string[]): Promise<Map<string, UsbDeviceRecord>> {
  const result = await new UsbEnumerator(ReplayUsbAdapter.fromFiles(at(...names)), catalog).list();
  assert.ok(result.ok, 'listing works');
  return new Map(result.devices.map((d) => [d.busPath, d]));
}

describe('enumeration from replayed descriptor sets', () => {
  test('each device gets its family, mode and next step; an unknown device is shown as unknown', async () => {
    const devices = await enumerate(
      'ftdi-ft232r',
      'silabs-cp2102',
      'fieldline-reference-gadget',
      'linux-gadget-acm-rndis',
      'jetson-l4t-devmode',
      'logitech-receiver-unknown',
    );
    const ftdi = devices.get('1-1')!;
    assert.equal(ftdi.catalog?.family, 'FTDI FT232R USB UART');
    assert.equal(ftdi.catalog?.mode, 'uart-bridge');
    assert.deepEqual(ftdi.catalog?.baudRates, [115200, 921600]);
    assert.equal(ftdi.serial, 'A10K5XYZ');
    assert.equal(ftdi.product, 'FT232R USB UART');
    assert.equal(ftdi.error, undefined, 'a UART bridge is reached through its tty: not opened');

    assert.equal(devices.get('1-2')?.catalog?.entryId, 'silabs-cp210x');

    const gadget = devices.get('1-3')!;
    assert.equal(gadget.catalog?.entryId, 'fieldline-reference-gadget');
    assert.equal(gadget.catalog?.mode, 'running');
    assert.deepEqual(gadget.fgp, { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 });
    assert.equal(gadget.error, undefined);

    const plain = devices.get('1-7')!;
    assert.equal(plain.catalog?.entryId, 'linux-gadget-composite', 'same id, no vendor interface: the generic gadget');
    assert.equal(plain.fgp, undefined);

    const devmode = devices.get('1-5.2')!;
    assert.equal(devmode.catalog?.mode, 'usb-device-mode');
    assert.match(devmode.catalog!.nextStep, /192\.168\.55\.1/);

    const unknown = devices.get('1-6')!;
    assert.equal(unknown.catalog, null);
    assert.equal(unknown.vendorId, '046d');
    assert.deepEqual([...devices.keys()], ['1-1', '1-2', '1-3', '1-5.2', '1-6', '1-7'], 'sorted by port path');
  });

  test('a recovery-mode Jetson says so, with the reflash step, and a permission error explains the udev rule', async () => {
    const jetson = (await enumerate('jetson-orin-nano-recovery')).get('1-4')!;
    assert.equal(jetson.catalog?.mode, 'recovery');
    assert.equal(jetson.catalog?.family, 'NVIDIA Jetson Orin Nano');
    assert.match(jetson.catalog!.nextStep, /l4t_initrd_flash\.sh|flash\.sh/);
    assert.match(jetson.catalog!.nextStep, /SDK Manager/);
    assert.equal(jetson.error?.code, 'access');
    assert.equal(jetson.error?.message, 'no permission to open USB device 0955:7523');
    assert.match(jetson.error!.fix, /SUBSYSTEM=="usb", ATTRS\{idVendor\}=="0955", MODE="0660", TAG\+="uaccess"/);
    assert.match(jetson.error!.fix, /udevadm control --reload-rules/);
  });

  test('a busy FGP interface is reported as busy on that device only', async () => {
    const devices = await enumerate('fieldline-reference-gadget', 'ftdi-ft232r', 'gadget-busy');
    const gadget = devices.get('1-3')!;
    assert.equal(gadget.error?.code, 'busy');
    assert.equal(gadget.error?.message, 'USB device 1d6b:0104 is in use by another program or a kernel driver');
    assert.equal(devices.get('1-1')?.error, undefined);
  });

  test('no USB bus: listing fails with one clear reason, no exception', async () => {
    const result = await new UsbEnumerator(ReplayUsbAdapter.fromFiles(at('no-usb-bus')), catalog).list();
    assert.deepEqual(result, {
      ok: false,
      reason: 'no USB access on this machine: getDevices error: /sys/bus/usb/devices/ not found (errno 2)',
    });
  });
});

describe('USB error mapping', () => {
  test('libusb names and codes and OS errors map to the same reasons', () => {
    assert.equal(classifyUsbError({ code: 'LIBUSB_ERROR_ACCESS', message: 'LIBUSB_ERROR_ACCESS' }), 'access');
    assert.equal(classifyUsbError({ errno: -3, message: 'x' }), 'access');
    assert.equal(classifyUsbError(new Error('Permission denied (os error 13)')), 'access');
    assert.equal(classifyUsbError({ code: 'LIBUSB_ERROR_BUSY', message: '' }), 'busy');
    assert.equal(classifyUsbError(new Error('Device or resource busy (os error 16)')), 'busy');
    assert.equal(classifyUsbError({ errno: -9, message: 'x' }), 'stall');
    assert.equal(classifyUsbError(new Error('LIBUSB_ERROR_PIPE')), 'stall');
    assert.equal(classifyUsbError({ code: 'LIBUSB_ERROR_NOT_FOUND', message: '' }), 'gone');
    assert.equal(classifyUsbError(new Error('No such device (os error 19)')), 'gone');
    assert.equal(classifyUsbError(new Error('something odd')), 'other');
    const stall = describeUsbError(new Error('LIBUSB_ERROR_PIPE'), { vendorId: '1d6b', productId: '0104' });
    assert.equal(stall.message, 'USB device 1d6b:0104 stalled the request (endpoint halted)');
    assert.match(
      describeUsbError(new Error('something odd'), { vendorId: '1d6b', productId: '0104' }).message,
      /could not be opened: something odd/,
    );
  });
});

describe('hot-plug', () => {
  test('a recorded attach/detach sequence becomes attach and detach events, in order', async () => {
    const adapter = ReplayUsbAdapter.fromFiles(at('hotplug-sequence'));
    const enumerator = new UsbEnumerator(adapter, catalog);
    const seen: string[] = [];
    enumerator.on('attach', (r) => seen.push(`attach ${r.busPath} ${r.catalog?.entryId ?? 'unknown'} ${r.catalog?.mode ?? ''}`));
    enumerator.on('detach', (r) => seen.push(`detach ${r.busPath} ${r.catalog?.entryId ?? 'unknown'}`));
    const first = await enumerator.start();
    assert.deepEqual(first, { ok: true, devices: [] });
    await adapter.replayEvents();
    await enumerator.settled();
    assert.deepEqual(seen, [
      'attach 1-1 ftdi-ft232r uart-bridge',
      'attach 1-4 jetson-orin-nano-recovery recovery',
      'detach 1-1 ftdi-ft232r',
      // 9-9 was never attached: its detach is ignored.
      'attach 1-3 fieldline-reference-gadget running',
    ]);
    assert.deepEqual(
      enumerator
        .current()
        .map((d) => d.busPath)
        .sort(),
      ['1-3', '1-4'],
    );
    await enumerator.stop();
  });
});
