import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordUsb } from '../../cli/commands/usb.js';
import { linkNetworkInterfaces, linkSerialPorts, recordedSysfs, type ListedSerialPort } from '../../core/discovery/usb/link.js';
import { ReplayUsbAdapter, usbRecording } from '../../core/discovery/usb/replay-adapter.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'usb');
const fixture = (name: string): string => join(fixtures, `${name}.json`);
const ports = (JSON.parse(readFileSync(fixture('serialport-list'), 'utf8')) as { ports: ListedSerialPort[] }).ports;
const sysfs = recordedSysfs(JSON.parse(readFileSync(fixture('sysfs-tree'), 'utf8')) as Parameters<typeof recordedSysfs>[0]);

describe('fieldline usb record', () => {
  test('a recording of a bus replays to the same devices, errors and links', async () => {
    const adapter = ReplayUsbAdapter.fromFiles(
      ['ftdi-ft232r', 'fieldline-reference-gadget', 'gadget-busy', 'jetson-l4t-devmode', 'jetson-orin-nano-recovery'].map(fixture),
    );
    const recording = await recordUsb({ adapter, listPorts: async () => ports, sysfs }, 'bench 3, customer site');
    assert.ok(usbRecording.safeParse(JSON.parse(JSON.stringify(recording))).success, 'what is written parses back');
    assert.match(recording.source, /bench 3, customer site/);
    assert.deepEqual(
      recording.devices.map((d) => d.busPath),
      ['1-1', '1-3', '1-5.2', '1-4'],
    );
    assert.deepEqual(recording.access, {
      '1-3': { message: 'Device or resource busy (os error 16)' },
      '1-4': { message: 'Permission denied (os error 13)' },
    });
    assert.equal(recording.serialPorts?.length, ports.length);
    assert.deepEqual(recording.sysfs?.dirs['/sys/class/net'], ['eth0', 'usb0', 'usb1', 'wlan0'], 'lo has no device link');

    const replayed = new ReplayUsbAdapter([recording]);
    const listed = await replayed.list();
    assert.ok(listed.ok);
    const serial = linkSerialPorts(listed.devices, replayed.serialPorts(), replayed.sysfs());
    assert.deepEqual(
      [...serial.links].map(([bus, links]) => [bus, links.map((l) => `${l.path} by ${l.by}`)]),
      [
        ['1-1', ['/dev/ttyUSB0 by bus-path']],
        ['1-3', ['/dev/ttyACM0 by bus-path']],
        ['1-5.2', ['/dev/ttyACM1 by bus-path']],
      ],
    );
    assert.deepEqual(
      [...linkNetworkInterfaces(listed.devices, replayed.sysfs())].map(([bus, l]) => [bus, l.map((n) => n.name)]),
      [
        ['1-3', ['usb0']],
        ['1-5.2', ['usb1']],
      ],
    );
    const busy = await replayed.checkAccess(listed.devices.find((d) => d.busPath === '1-3')!);
    assert.equal(busy?.code, 'busy');
  });

  test('no USB bus: the recording says why', async () => {
    const recording = await recordUsb({ adapter: ReplayUsbAdapter.fromFiles([fixture('no-usb-bus')]), listPorts: async () => [], sysfs });
    assert.equal(
      recording.listError,
      'getDevices error: /sys/bus/usb/devices/ not found (errno 2)',
      'stored as the OS said it, replay adds the sentence',
    );
    assert.deepEqual(recording.devices, []);
  });
});
