import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceChange, DevicePath, DeviceUsb } from '../../core/api/schemas.js';
import { device as deviceSchema } from '../../core/api/schemas.js';
import { DeviceRegistry, pathKey, type Sighting } from '../../core/discovery/registry.js';

const ID = 'd'.repeat(64);
const usbPath: DevicePath = { transport: 'usb', busPath: '1-3', vendorId: '1d6b', productId: '0104', serial: 'FLREF0001', via: 'usb' };
const serialPath: DevicePath = { transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200, via: 'probe' };
const lanPath: DevicePath = { transport: 'tcp', host: '192.168.7.2', port: 48621, tls: true, via: 'mdns', iface: 'usb0' };
const usb: DeviceUsb = {
  busPath: '1-3',
  vendorId: '1d6b',
  productId: '0104',
  family: 'Fieldline reference gateway',
  mode: 'running',
  meaning: 'running',
  nextStep: 'connect',
  serialPorts: ['/dev/ttyACM0'],
  networkInterfaces: ['usb0'],
  attached: true,
};

const sighting = (path: DevicePath, at: number, extra: Partial<Sighting> = {}): Sighting => ({
  id: ID,
  name: 'gw',
  vendor: 'Fieldline',
  model: 'Ref',
  serial: 'FLREF0001',
  firmware: '1.0',
  path,
  at,
  ...extra,
});

function rig(): { registry: DeviceRegistry; changes: DeviceChange[] } {
  const registry = new DeviceRegistry();
  const changes: DeviceChange[] = [];
  registry.on('change', (c) => changes.push(c));
  return { registry, changes };
}

describe('registry: USB', () => {
  test('a USB path has its own key; the usb block comes with the sighting and validates', () => {
    const { registry, changes } = rig();
    registry.sight(sighting(usbPath, 1000, { usb }));
    registry.sight(sighting({ ...usbPath, fgp: { interfaceNumber: 4, endpointIn: 0x85, endpointOut: 0x03 } }, 1100, { usb }));
    registry.sight(sighting(serialPath, 1200, { usb }));
    const d = registry.get(ID)!;
    assert.equal(d.paths.length, 2, 'the FGP interface is a detail of the same USB path');
    assert.equal(d.usb?.mode, 'running');
    assert.ok(deviceSchema.safeParse(d).success);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['appeared', 'updated'],
    );
    assert.notEqual(pathKey(usbPath), pathKey({ ...usbPath, busPath: '1-4' }));
  });

  test('pulling the cable of a gateway reachable only by cable: lost, paths kept, marked unplugged', () => {
    const { registry, changes } = rig();
    registry.sight(sighting(usbPath, 1000, { usb }));
    registry.sight(sighting(serialPath, 1000, { usb }));
    registry.detachUsb(ID, new Set([pathKey(usbPath), pathKey(serialPath)]));
    const d = registry.get(ID)!;
    assert.equal(d.state, 'lost');
    assert.equal(d.paths.length, 2);
    assert.equal(d.usb?.attached, false);
    assert.equal(changes.at(-1)?.kind, 'lost');
    registry.sight(sighting(usbPath, 2000, { usb }));
    assert.equal(registry.get(ID)?.state, 'online', 'plugged in again');
    assert.equal(registry.get(ID)?.usb?.attached, true);
  });

  test('pulling the cable of a gateway also on the LAN: online, the cable paths and the usb block go', () => {
    const { registry } = rig();
    registry.sight(sighting(usbPath, 1000, { usb }));
    registry.sight(sighting(serialPath, 1000, { usb }));
    registry.sight(sighting({ ...lanPath, iface: 'eth0', host: '10.0.0.9' }, 1000));
    registry.detachUsb(ID, new Set([pathKey(usbPath), pathKey(serialPath)]));
    const d = registry.get(ID)!;
    assert.equal(d.state, 'online');
    assert.deepEqual(
      d.paths.map((p) => p.transport),
      ['tcp'],
    );
    assert.equal(d.usb, undefined);
  });

  test('remove forgets a stand-in and says so', () => {
    const { registry, changes } = rig();
    registry.sight(sighting(usbPath, 1000, { usb }));
    assert.equal(registry.remove(ID), true);
    assert.equal(registry.get(ID), undefined);
    assert.equal(changes.at(-1)?.kind, 'removed');
    assert.equal(registry.remove(ID), false);
  });
});
