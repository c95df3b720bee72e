/**
 * The Devices view's pure logic: badges, filtering, ordering, counts, registry events.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device, DiscoveryReport } from '../../core/api/schemas.js';
import { applyChange, fromList } from '../../renderer/devices/device-map.js';
import {
  compareDevices,
  countDevices,
  describePath,
  matchesQuery,
  shortId,
  summariseReport,
  transportBadges,
  visibleDevices,
} from '../../renderer/devices/selectors.js';

function device(overrides: Partial<Device> & { id: string }): Device {
  return {
    name: 'gw',
    vendor: 'Fieldline Labs',
    model: 'EdgeBox 200',
    serial: 'SN-1',
    firmware: '1.0.0',
    paths: [],
    state: 'online',
    firstSeen: 1_000,
    lastSeen: 2_000,
    authenticated: false,
    ...overrides,
  };
}

const id = (n: number): string => n.toString(16).padStart(64, '0');

const lanTls = { transport: 'tcp', host: '127.0.0.1', port: 48621, tls: true, via: 'mdns', iface: 'lo' } as const;
const lanUdp = { transport: 'tcp', host: '127.0.0.1', port: 48621, tls: true, via: 'udp', iface: 'lo' } as const;
const serial = { transport: 'serial', path: '/dev/pts/7', baudRate: 115200, via: 'probe' } as const;

describe('transportBadges', () => {
  test('one LAN·TLS badge however many LAN paths, serial after LAN', () => {
    const badges = transportBadges({ paths: [serial, lanTls, lanUdp] });
    assert.deepEqual(
      badges.map((b) => b.label),
      ['LAN·TLS', 'Serial'],
    );
    assert.match(badges[0]!.detail, /mDNS on lo; .*UDP probe on lo/);
    assert.match(badges[1]!.detail, /\/dev\/pts\/7 at 115200 baud/);
  });

  test('plain TCP is "LAN", a device with no path has no badge', () => {
    assert.deepEqual(
      transportBadges({ paths: [{ ...lanTls, tls: false }] }).map((b) => b.label),
      ['LAN'],
    );
    assert.deepEqual(transportBadges({ paths: [] }), []);
  });
});

describe('describePath', () => {
  test('brackets IPv6 hosts and names how the path was found', () => {
    assert.equal(
      describePath({ transport: 'tcp', host: '::1', port: 48621, tls: true, via: 'manual' }),
      '[::1]:48621 (TLS), added by hand',
    );
    assert.equal(describePath({ ...serial, via: 'manual' }), '/dev/pts/7 at 115200 baud, added by hand');
  });
});

describe('matchesQuery', () => {
  const gw = device({ id: id(1), name: 'Pump Station 4', model: 'EdgeBox 200', serial: 'EB2-00017', firmware: '2.3.1', paths: [lanTls] });

  test('every word must match, in any field, case-insensitively', () => {
    assert.equal(matchesQuery(gw, ''), true);
    assert.equal(matchesQuery(gw, '   '), true);
    assert.equal(matchesQuery(gw, 'pump'), true);
    assert.equal(matchesQuery(gw, 'PUMP edgebox'), true);
    assert.equal(matchesQuery(gw, 'eb2-00017'), true);
    assert.equal(matchesQuery(gw, '2.3.1'), true);
    assert.equal(matchesQuery(gw, 'lan·tls'), true);
    assert.equal(matchesQuery(gw, '127.0.0.1'), true);
    assert.equal(matchesQuery(gw, 'pump serial'), false);
    assert.equal(matchesQuery(gw, 'station 5'), false);
  });

  test('matches the device id by prefix text', () => {
    assert.equal(matchesQuery(gw, id(1).slice(0, 20)), true);
  });
});

describe('ordering and counting', () => {
  test('online before lost, then by name with numbers in order, then by id', () => {
    const list = [
      device({ id: id(5), name: 'gw-10' }),
      device({ id: id(4), name: 'gw-2', state: 'lost' }),
      device({ id: id(3), name: 'gw-2' }),
      device({ id: id(2), name: 'gw-10' }),
    ];
    assert.deepEqual(
      [...list].sort(compareDevices).map((d) => [d.name, d.state, d.id.slice(-1)]),
      [
        ['gw-2', 'online', '3'],
        ['gw-10', 'online', '2'],
        ['gw-10', 'online', '5'],
        ['gw-2', 'lost', '4'],
      ],
    );
  });

  test('visibleDevices filters and sorts 1,000 devices', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      device({ id: id(i + 1), name: `gw-${i}`, state: i % 10 === 0 ? 'lost' : 'online' }),
    );
    const all = visibleDevices(many, '');
    assert.equal(all.length, 1000);
    assert.equal(all[0]!.name, 'gw-1');
    assert.equal(all[899]!.state, 'online');
    assert.equal(all[900]!.state, 'lost');
    assert.deepEqual(
      visibleDevices(many, 'gw-99').map((d) => d.name),
      ['gw-99', 'gw-991', 'gw-992', 'gw-993', 'gw-994', 'gw-995', 'gw-996', 'gw-997', 'gw-998', 'gw-999', 'gw-990'],
    );
    assert.deepEqual(countDevices(many), { online: 900, lost: 100, usbOnly: 0, total: 1000 });
  });

  test('shortId groups the first 12 hex digits', () => {
    assert.equal(shortId('0123456789abcdef'.repeat(4)), '0123 4567 89ab');
  });
});

describe('applyChange', () => {
  test('appeared adds, updated replaces, lost keeps the device with its state', () => {
    let map = fromList([]);
    const gw = device({ id: id(1), lastSeen: 10 });
    map = applyChange(map, { kind: 'appeared', device: gw });
    assert.equal(map.get(id(1))?.state, 'online');
    map = applyChange(map, { kind: 'updated', device: { ...gw, firmware: '1.1.0', lastSeen: 20 } });
    assert.equal(map.get(id(1))?.firmware, '1.1.0');
    map = applyChange(map, { kind: 'lost', device: { ...gw, firmware: '1.1.0', lastSeen: 20, state: 'lost' } });
    assert.equal(map.size, 1);
    assert.equal(map.get(id(1))?.state, 'lost');
  });

  test('never mutates the map it was given, and ignores an update older than what it holds', () => {
    const gw = device({ id: id(1), lastSeen: 50 });
    const before = fromList([gw]);
    const same = applyChange(before, { kind: 'updated', device: { ...gw, firmware: 'stale', lastSeen: 40 } });
    assert.equal(same, before);
    assert.equal(before.get(id(1))?.firmware, '1.0.0');
    const next = applyChange(before, { kind: 'updated', device: { ...gw, firmware: 'new', lastSeen: 60 } });
    assert.notEqual(next, before);
    assert.equal(before.get(id(1))?.firmware, '1.0.0');
  });
});

describe('summariseReport', () => {
  const report: DiscoveryReport = {
    running: true,
    startedAt: 1,
    devicesFound: 0,
    hints: [],
    interfaces: [
      { name: 'lo', address: '127.0.0.1', kind: 'loopback', used: true, mdnsAnswers: 2, udpAnswers: 0 },
      { name: 'eth0', address: '192.0.2.5', kind: 'physical', used: true, mdnsAnswers: 0, udpAnswers: 0 },
      { name: 'docker0', address: '172.17.0.1', kind: 'virtual', used: false, mdnsAnswers: 0, udpAnswers: 0 },
    ],
    serialPorts: [{ path: '/dev/ttyUSB0', reason: 'catalog', baudRates: [115200], result: 'permission-denied' }],
  };

  test('counts only the interfaces searched and says what answered', () => {
    const summary = summariseReport(report);
    assert.equal(summary.interfacesUsed, 2);
    assert.equal(summary.interfacesAnswering, 1);
    assert.equal(summary.serialPortsTried, 1);
    assert.equal(summary.serialPortsAnswering, 0);
    assert.equal(summary.sentence, 'Discovery is running: 2 network interfaces searched (1 answered), 1 serial port probed (0 answered).');
  });

  test('says when discovery is stopped', () => {
    assert.match(
      summariseReport({ ...report, running: false, interfaces: [], serialPorts: [] }).sentence,
      /^Discovery is stopped: 0 network interfaces/,
    );
  });
});
