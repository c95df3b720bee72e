import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  linkNetworkInterfaces,
  linkSerialPorts,
  recordedSysfs,
  usbLocationOf,
  type ListedSerialPort,
} from '../../core/discovery/usb/link.js';
import { readUsbRecording } from '../../core/discovery/usb/replay-adapter.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'usb');
const devices = ['ftdi-ft232r', 'silabs-cp2102', 'fieldline-reference-gadget', 'jetson-l4t-devmode', 'jetson-orin-nano-recovery'].flatMap(
  (n) => readUsbRecording(join(fixtures, `${n}.json`)).devices,
);
const ports = (JSON.parse(readFileSync(join(fixtures, 'serialport-list.json'), 'utf8')) as { ports: ListedSerialPort[] }).ports;
const sysfs = recordedSysfs(
  JSON.parse(readFileSync(join(fixtures, 'sysfs-tree.json'), 'utf8')) as { dirs: Record<string, string[]>; links: Record<string, string> },
);

describe('sysfs paths', () => {
  test('the USB port path and interface number are read from the device path', () => {
    assert.deepEqual(usbLocationOf('/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0'), {
      busPath: '1-1',
      interfaceNumber: 0,
    });
    assert.deepEqual(usbLocationOf('/sys/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5.2/1-5.2:1.2'), {
      busPath: '1-5.2',
      interfaceNumber: 2,
    });
    assert.deepEqual(usbLocationOf('/sys/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5.2'), { busPath: '1-5.2' });
    assert.equal(usbLocationOf('/sys/devices/platform/serial8250/serial8250:0.0'), null);
  });
});

describe('USB device ↔ serial port', () => {
  test('by bus path through sysfs: each tty goes to the device and interface it lives on', () => {
    const { links, unlinked } = linkSerialPorts(devices, ports, sysfs);
    assert.deepEqual(links.get('1-1'), [{ path: '/dev/ttyUSB0', by: 'bus-path', interfaceNumber: 0 }]);
    assert.deepEqual(links.get('1-2'), [{ path: '/dev/ttyUSB1', by: 'bus-path', interfaceNumber: 0 }]);
    assert.deepEqual(links.get('1-3'), [{ path: '/dev/ttyACM0', by: 'bus-path', interfaceNumber: 2 }]);
    assert.deepEqual(links.get('1-5.2'), [{ path: '/dev/ttyACM1', by: 'bus-path', interfaceNumber: 2 }]);
    assert.equal(links.get('1-4'), undefined, 'a recovery-mode Jetson has no serial port');
    assert.deepEqual(unlinked, []);
  });

  test('without sysfs (macOS, Windows): by serial number, then by an id only one device has', () => {
    const { links } = linkSerialPorts(devices, ports, null);
    assert.deepEqual(links.get('1-1'), [{ path: '/dev/ttyUSB0', by: 'serial-number' }]);
    assert.deepEqual(links.get('1-3'), [{ path: '/dev/ttyACM0', by: 'serial-number' }]);
    const noSerial = ports.map((p) => ({ ...p, serialNumber: undefined }));
    assert.deepEqual(linkSerialPorts(devices, noSerial, null).links.get('1-2'), [{ path: '/dev/ttyUSB1', by: 'only-match' }]);
  });

  test('two identical bridges without a serial number are not guessed: the port is unlinked with the reason', () => {
    const twins = [
      { busPath: '1-8', vendorId: '1a86', productId: '7523' },
      { busPath: '1-9', vendorId: '1a86', productId: '7523' },
    ];
    const { links, unlinked } = linkSerialPorts(twins, [{ path: '/dev/ttyUSB7', vendorId: '1a86', productId: '7523' }], null);
    assert.equal(links.size, 0);
    assert.deepEqual(unlinked, [
      {
        path: '/dev/ttyUSB7',
        reason: '2 USB devices are 1a86:7523 and none has serial number "": cannot tell which one /dev/ttyUSB7 belongs to',
      },
    ]);
  });

  test('ports of a matching serial number but different ids stay apart; non-USB ports are ignored', () => {
    const { links, unlinked } = linkSerialPorts(
      devices,
      [{ path: '/dev/ttyS0' }, { path: '/dev/ttyUSB9', vendorId: '0403', productId: '6010', serialNumber: 'A10K5XYZ' }],
      null,
    );
    assert.equal(links.size, 0);
    assert.deepEqual(unlinked, [{ path: '/dev/ttyUSB9', reason: 'no listed USB device is 0403:6010' }]);
  });
});

describe('USB device ↔ network interface', () => {
  test('usb0 belongs to the reference gadget, usb1 to the Jetson in device mode; eth0 and wlan0 to none', () => {
    const links = linkNetworkInterfaces(devices, sysfs);
    assert.deepEqual(links.get('1-3'), [{ name: 'usb0', interfaceNumber: 0 }]);
    assert.deepEqual(links.get('1-5.2'), [{ name: 'usb1', interfaceNumber: 0 }]);
    assert.equal(links.size, 2);
  });
});
