import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceChange, DeviceDescriptor, DevicePath } from '../../core/api/schemas.js';
import { device as deviceSchema } from '../../core/api/schemas.js';
import { DeviceRegistry, pathKey, type Sighting } from '../../core/discovery/registry.js';

const ID_A = 'a'.repeat(64);
const ID_B = 'b'.repeat(64);
const mdnsPath: DevicePath = { transport: 'tcp', host: '10.0.0.5', port: 48621, tls: true, via: 'mdns', iface: 'eth0' };
const udpPath: DevicePath = { transport: 'tcp', host: '10.0.0.5', port: 48621, tls: true, via: 'udp', iface: 'eth0' };
const serialPath: DevicePath = { transport: 'serial', path: '/dev/ttyUSB0', baudRate: 115200, via: 'probe' };

function sighting(overrides: Partial<Sighting> = {}): Sighting {
  return {
    id: ID_A,
    name: 'gw-1',
    vendor: 'Acme',
    model: 'EdgeBox 2',
    serial: 'SN1',
    firmware: '1.0.0',
    path: mdnsPath,
    at: 1000,
    ...overrides,
  };
}

function recorder(registry: DeviceRegistry): DeviceChange[] {
  const changes: DeviceChange[] = [];
  registry.on('change', (c) => changes.push(c));
  return changes;
}

function descriptorFor(id: string): DeviceDescriptor {
  return {
    protocol: 1,
    id,
    publicKey: '00'.repeat(32),
    name: 'gw-verified',
    vendor: 'Acme',
    model: 'EdgeBox 2',
    hardwareRevision: 'r3',
    serial: 'SN1',
    firmware: { version: '1.1.0', activeSlot: 'a' },
    slots: [{ name: 'a', version: '1.1.0', state: 'active' }],
    models: [],
    accelerators: [],
    capabilities: ['hello'],
    maxFrame: 16384,
  };
}

describe('DeviceRegistry: appearing and merging', () => {
  test('a first sighting appears once, online, with its path, and matches the API schema', () => {
    const registry = new DeviceRegistry();
    const changes = recorder(registry);
    assert.deepEqual(registry.sight(sighting()), { kind: 'appeared' });
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.kind, 'appeared');
    const device = registry.get(ID_A)!;
    assert.equal(device.state, 'online');
    assert.deepEqual(device.paths, [mdnsPath]);
    assert.equal(device.firstSeen, 1000);
    assert.equal(device.lastSeen, 1000);
    assert.equal(device.authenticated, false);
    assert.equal(deviceSchema.safeParse(device).success, true);
  });

  test('re-sighting on the same path emits nothing but keeps lastSeen current', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    const changes = recorder(registry);
    assert.deepEqual(registry.sight(sighting({ at: 2500 })), { kind: 'unchanged' });
    assert.equal(changes.length, 0);
    assert.equal(registry.get(ID_A)!.lastSeen, 2500);
    assert.equal(registry.list()[0]!.lastSeen, 2500);
  });

  test('the same id over mDNS, UDP and serial is one device with three paths', () => {
    const registry = new DeviceRegistry();
    const changes = recorder(registry);
    registry.sight(sighting());
    registry.sight(sighting({ path: udpPath, at: 1001 }));
    registry.sight(sighting({ path: serialPath, at: 1002 }));
    registry.sight(sighting({ path: { ...udpPath }, at: 1003 }));
    assert.equal(registry.list().length, 1);
    assert.deepEqual(registry.get(ID_A)!.paths, [mdnsPath, udpPath, serialPath]);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['appeared', 'updated', 'updated'],
    );
  });

  test('two ids are two devices', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    registry.sight(sighting({ id: ID_B, name: 'gw-2' }));
    assert.deepEqual(
      registry
        .list()
        .map((d) => d.name)
        .sort(),
      ['gw-1', 'gw-2'],
    );
  });

  test('a changed visible field (firmware after an update) emits updated with the new value', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    const changes = recorder(registry);
    assert.deepEqual(registry.sight(sighting({ firmware: '2.0.0', at: 2000 })), { kind: 'updated' });
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.device.firmware, '2.0.0');
  });

  test('an older sighting arriving late does not overwrite newer fields', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting({ firmware: '2.0.0', at: 2000 }));
    const changes = recorder(registry);
    registry.sight(sighting({ firmware: '1.0.0', at: 1500, path: udpPath }));
    const device = registry.get(ID_A)!;
    assert.equal(device.firmware, '2.0.0');
    assert.equal(device.lastSeen, 2000);
    assert.equal(changes.length, 1, 'the new path is still a visible change');
  });

  test('a malformed id is rejected, not stored', () => {
    const registry = new DeviceRegistry();
    const result = registry.sight(sighting({ id: 'not-an-id' }));
    assert.equal(result.kind, 'rejected');
    assert.match((result as { reason: string }).reason, /64 lowercase hex/);
    assert.equal(registry.size, 0);
  });

  test('snapshots are copies: mutating a listed device changes nothing inside', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    const listed = registry.list()[0]!;
    listed.paths.push(serialPath);
    listed.name = 'tampered';
    assert.equal(registry.get(ID_A)!.name, 'gw-1');
    assert.equal(registry.get(ID_A)!.paths.length, 1);
  });

  test('path keys tell apart endpoints, methods and interfaces', () => {
    assert.notEqual(pathKey(mdnsPath), pathKey(udpPath));
    assert.notEqual(pathKey(mdnsPath), pathKey({ ...mdnsPath, iface: 'wlan0' }));
    assert.notEqual(pathKey(mdnsPath), pathKey({ ...mdnsPath, port: 1 }));
    assert.equal(pathKey(serialPath), pathKey({ ...serialPath }));
    assert.notEqual(pathKey(serialPath), pathKey({ ...serialPath, baudRate: 921600 }));
  });
});

describe('DeviceRegistry: lost and back', () => {
  test('a device silent for lostAfterMs becomes lost, is kept, and emits lost once', () => {
    const registry = new DeviceRegistry({ lostAfterMs: 5000 });
    registry.sight(sighting({ at: 1000 }));
    const changes = recorder(registry);
    assert.deepEqual(registry.sweep(5999), []);
    const lost = registry.sweep(6001);
    assert.deepEqual(
      lost.map((c) => c.kind),
      ['lost'],
    );
    assert.equal(registry.get(ID_A)!.state, 'lost');
    assert.deepEqual(registry.get(ID_A)!.paths, [mdnsPath], 'a lost device keeps how it was reachable');
    assert.deepEqual(registry.sweep(9000), [], 'lost is reported once');
    assert.equal(changes.length, 1);
    assert.equal(registry.list().length, 1, 'never silently dropped');
  });

  test('a lost device seen again is updated back to online', () => {
    const registry = new DeviceRegistry({ lostAfterMs: 5000 });
    registry.sight(sighting({ at: 1000 }));
    registry.sweep(7000);
    const changes = recorder(registry);
    assert.deepEqual(registry.sight(sighting({ at: 8000 })), { kind: 'updated' });
    assert.deepEqual(
      changes.map((c) => [c.kind, c.device.state]),
      [['updated', 'online']],
    );
    assert.equal(registry.get(ID_A)!.lastSeen, 8000);
    assert.equal(registry.get(ID_A)!.firstSeen, 1000);
  });

  test('the sweep lost threshold can be given per call', () => {
    const registry = new DeviceRegistry({ lostAfterMs: 60_000 });
    registry.sight(sighting({ at: 1000 }));
    assert.equal(registry.sweep(3000, 1000).length, 1);
  });

  test('a stale path is forgotten while the device is still seen on another', () => {
    const registry = new DeviceRegistry({ lostAfterMs: 5000 });
    registry.sight(sighting({ at: 1000 }));
    registry.sight(sighting({ path: serialPath, at: 1000 }));
    registry.sight(sighting({ path: serialPath, at: 5000 }));
    const changes = recorder(registry);
    registry.sweep(7000);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['updated'],
    );
    assert.deepEqual(registry.get(ID_A)!.paths, [serialPath]);
    assert.equal(registry.get(ID_A)!.state, 'online');
  });

  test('manual paths are never forgotten by the sweep', () => {
    const registry = new DeviceRegistry({ lostAfterMs: 5000 });
    const manual: DevicePath = { transport: 'tcp', host: '10.0.0.9', port: 48621, tls: true, via: 'manual' };
    registry.sight(sighting({ path: manual, at: 1000 }));
    registry.sight(sighting({ path: udpPath, at: 6500 }));
    registry.sweep(7000);
    assert.deepEqual(registry.get(ID_A)!.paths, [manual, udpPath]);
  });

  test('only the silent device is lost', () => {
    const registry = new DeviceRegistry({ lostAfterMs: 5000 });
    registry.sight(sighting({ at: 1000 }));
    registry.sight(sighting({ id: ID_B, at: 4000 }));
    registry.sweep(7000);
    assert.equal(registry.get(ID_A)!.state, 'lost');
    assert.equal(registry.get(ID_B)!.state, 'online');
    assert.equal(registry.isOnline(ID_B), true);
    assert.equal(registry.countOnline(), 1);
  });
});

describe('DeviceRegistry: descriptor and authentication', () => {
  test('setDescriptor stores it, takes its verified fields, and emits updated', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    const changes = recorder(registry);
    assert.equal(registry.setDescriptor(ID_A, descriptorFor(ID_A)), true);
    const device = registry.get(ID_A)!;
    assert.equal(device.descriptor?.hardwareRevision, 'r3');
    assert.equal(device.name, 'gw-verified');
    assert.equal(device.firmware, '1.1.0');
    assert.equal(changes.length, 1);
    assert.equal(deviceSchema.safeParse(device).success, true);
    registry.setDescriptor(ID_A, descriptorFor(ID_A));
    assert.equal(changes.length, 1, 'the same descriptor again is not a change');
  });

  test('setDescriptor refuses an unknown device or a descriptor for another id', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    assert.equal(registry.setDescriptor(ID_B, descriptorFor(ID_B)), false);
    assert.equal(registry.setDescriptor(ID_A, descriptorFor(ID_B)), false);
    assert.equal(registry.get(ID_A)!.descriptor, undefined);
  });

  test('markAuthenticated flips the flag once and emits only on change', () => {
    const registry = new DeviceRegistry();
    registry.sight(sighting());
    const changes = recorder(registry);
    assert.equal(registry.markAuthenticated(ID_A), true);
    assert.equal(registry.markAuthenticated(ID_A), true);
    assert.equal(registry.get(ID_A)!.authenticated, true);
    assert.equal(changes.length, 1);
    registry.markAuthenticated(ID_A, false);
    assert.equal(registry.get(ID_A)!.authenticated, false);
    assert.equal(registry.markAuthenticated(ID_B), false);
  });
});
