import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device, DevicePath, DeviceUsb } from '../../core/api/schemas.js';
import { applyChange, fromList } from '../../renderer/devices/device-map.js';
import {
  countDevices,
  describePath,
  isUsbOnly,
  matchesQuery,
  transportBadges,
  usbLocation,
  usbModeBadge,
  usbNotices,
  usbReportSentence,
} from '../../renderer/devices/selectors.js';

const usbPath: DevicePath = {
  transport: 'usb',
  busPath: '1-3',
  vendorId: '1d6b',
  productId: '0104',
  serial: 'FLREF0001',
  fgp: { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 },
  via: 'usb',
};
const serialPath: DevicePath = { transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200, via: 'probe' };
const lanPath: DevicePath = { transport: 'tcp', host: '10.0.0.5', port: 48621, tls: true, via: 'mdns' };

const recoveryUsb: DeviceUsb = {
  busPath: '1-4',
  vendorId: '0955',
  productId: '7523',
  family: 'NVIDIA Jetson Orin Nano',
  mode: 'recovery',
  meaning: 'The module is in Force Recovery Mode: no operating system is running and no agent can answer.',
  nextStep: 'Reflash with NVIDIA tools: sudo ./tools/kernel_flash/l4t_initrd_flash.sh',
  serialPorts: [],
  networkInterfaces: [],
  error: {
    code: 'access',
    message: 'no permission to open USB device 0955:7523',
    fix: 'add a udev rule: SUBSYSTEM=="usb", ATTRS{idVendor}=="0955", MODE="0660", TAG+="uaccess"',
  },
  probe: { result: 'not-probed', detail: 'a device in recovery mode runs no agent: Fieldline does not probe it' },
  attached: true,
};

function device(overrides: Partial<Device>): Device {
  return {
    id: 'e'.repeat(64),
    name: 'NVIDIA Jetson Orin Nano',
    vendor: 'NVIDIA Corp.',
    model: 'APX',
    serial: '',
    firmware: '',
    paths: [{ transport: 'usb', busPath: '1-4', vendorId: '0955', productId: '7523', via: 'usb' }],
    state: 'online',
    firstSeen: 1,
    lastSeen: 1,
    authenticated: false,
    usb: recoveryUsb,
    ...overrides,
  };
}

describe('USB in the Devices view', () => {
  test('each mode has a plain badge with a tone', () => {
    assert.deepEqual(usbModeBadge({ mode: 'running' }), { label: 'Running', tone: 'ok' });
    assert.deepEqual(usbModeBadge({ mode: 'usb-device-mode' }), { label: 'USB device mode', tone: 'info' });
    assert.deepEqual(usbModeBadge({ mode: 'recovery' }), { label: 'Recovery', tone: 'warn' });
    assert.deepEqual(usbModeBadge({ mode: 'uart-bridge' }), { label: 'UART bridge', tone: 'info' });
  });

  test('the USB path is described with bus path and ids, and badged between LAN and serial', () => {
    assert.equal(describePath(usbPath), 'USB port 1-3 (1d6b:0104), FGP on interface 4');
    assert.deepEqual(
      transportBadges({ paths: [serialPath, usbPath, lanPath] }).map((b) => b.label),
      ['LAN·TLS', 'USB', 'Serial'],
    );
    assert.equal(usbLocation(recoveryUsb), 'USB 1-4 · 0955:7523');
  });

  test('a stand-in is a USB-only device without a descriptor; a merged gateway is not', () => {
    assert.equal(isUsbOnly(device({})), true);
    assert.equal(isUsbOnly(device({ paths: [usbPath, serialPath], usb: { ...recoveryUsb, mode: 'running' } })), false);
    assert.equal(isUsbOnly(device({ usb: undefined })), false);
  });

  test('a recovery device says its access error with the udev fix, then what recovery means and the next step', () => {
    const notices = usbNotices(recoveryUsb, true);
    assert.deepEqual(
      notices.map((n) => [n.tone, n.title]),
      [
        ['warn', 'no permission to open USB device 0955:7523'],
        ['warn', recoveryUsb.meaning],
      ],
    );
    assert.match(notices[0]!.fix!, /udev rule/);
    assert.equal(notices[1]!.body, `Next step: ${recoveryUsb.nextStep}`);
  });

  test('a UART bridge with nothing answering says so with the probe detail; an unplugged gateway says so first', () => {
    const bridge: DeviceUsb = {
      ...recoveryUsb,
      mode: 'uart-bridge',
      error: undefined,
      probe: {
        result: 'no-answer',
        detail: 'nothing answered FGP hello on /dev/ttyUSB0 at 115200, 921600 baud',
        fix: 'Check that the gateway is powered.',
      },
    };
    assert.deepEqual(
      usbNotices(bridge, true).map((n) => n.title),
      [bridge.meaning, 'nothing answered FGP hello on /dev/ttyUSB0 at 115200, 921600 baud'],
    );
    const running: DeviceUsb = { ...bridge, mode: 'running', attached: false, probe: undefined };
    assert.deepEqual(
      usbNotices(running, false).map((n) => n.title),
      ['Unplugged'],
      'a gateway that answered needs no meaning/next step, only that the cable is out',
    );
  });

  test('a USB device that cannot answer is not counted as a gateway online', () => {
    const gateway = device({ id: 'f'.repeat(64), paths: [usbPath, serialPath], usb: { ...recoveryUsb, mode: 'running' } });
    assert.deepEqual(countDevices([device({}), gateway]), { online: 1, lost: 0, usbOnly: 1, total: 2 });
  });

  test('search finds USB devices by mode, family and bus path', () => {
    const d = device({});
    assert.equal(matchesQuery(d, 'recovery'), true);
    assert.equal(matchesQuery(d, 'orin 1-4'), true);
    assert.equal(matchesQuery(d, '0955:7523'), true);
    assert.equal(matchesQuery(d, 'running'), false);
  });

  test('a removed stand-in leaves the list; removing an unknown one changes nothing', () => {
    const d = device({});
    const map = fromList([d]);
    const next = applyChange(map, { kind: 'removed', device: d });
    assert.equal(next.size, 0);
    assert.equal(applyChange(next, { kind: 'removed', device: d }), next);
  });

  test('the discovery report says what the USB lane sees, or why it sees nothing', () => {
    assert.equal(usbReportSentence({ devices: 0 }), 'No gateway, boot ROM or console cable from the USB catalog is plugged in.');
    assert.equal(
      usbReportSentence({ devices: 2, replay: '/tmp/bus.json' }),
      '2 USB devices from the USB catalog plugged in (replaying the recording /tmp/bus.json); each is listed above with its mode.',
    );
    assert.equal(usbReportSentence({ devices: 0, error: 'no USB access on this machine: x' }), 'no USB access on this machine: x');
  });
});
