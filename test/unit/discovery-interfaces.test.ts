import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type os from 'node:os';
import {
  broadcastAddress,
  chooseInterfaces,
  classifyInterface,
  inSubnet,
  listInterfaces,
  prefixLengthOf,
} from '../../core/discovery/interfaces.js';

function v4(address: string, netmask: string, internal = false): os.NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/${prefixLengthOf(netmask)}` };
}
function v6(address: string): os.NetworkInterfaceInfo {
  return {
    address,
    netmask: 'ffff:ffff:ffff:ffff::',
    family: 'IPv6',
    mac: '00:00:00:00:00:00',
    internal: false,
    cidr: `${address}/64`,
    scopeid: 0,
  };
}

describe('interface classification', () => {
  test('loopback by the internal flag or the name', () => {
    assert.equal(classifyInterface('lo', true), 'loopback');
    assert.equal(classifyInterface('lo0', false), 'loopback');
  });

  test('Docker, VM, VPN and tunnel interfaces are virtual', () => {
    for (const name of [
      'docker0',
      'br-3f2a9c1d0e4b',
      'veth12ab',
      'virbr0',
      'vmnet8',
      'vboxnet0',
      'tun0',
      'tap1',
      'wg0',
      'zt5u4y3x',
      'vEthernet (WSL)',
    ]) {
      assert.equal(classifyInterface(name, false), 'virtual', name);
    }
  });

  test('NICs and Wi-Fi are physical', () => {
    for (const name of ['eth0', 'enp3s0', 'eno1', 'wlan0', 'wlp2s0', 'en0', 'Ethernet', 'Wi-Fi']) {
      assert.equal(classifyInterface(name, false), 'physical', name);
    }
  });

  test('a bridge joining only virtual ports is a namespace bridge; with a NIC it is physical', () => {
    assert.equal(
      classifyInterface('fl123-br', false, {
        up: true,
        bridgePorts: [
          { name: 'fl123-h0', virtual: true },
          { name: 'fl123-h1', virtual: true },
        ],
      }),
      'namespace-bridge',
    );
    assert.equal(
      classifyInterface('br0', false, {
        up: true,
        bridgePorts: [
          { name: 'eth0', virtual: false },
          { name: 'vnet0', virtual: true },
        ],
      }),
      'physical',
    );
    assert.equal(classifyInterface('br0', false, { up: true, bridgePorts: [] }), 'virtual');
    assert.equal(
      classifyInterface('docker0', false, { up: true, bridgePorts: [{ name: 'veth1', virtual: true }] }),
      'virtual',
      'the name wins',
    );
  });
});

describe('addresses', () => {
  test('broadcast address from the netmask', () => {
    assert.equal(broadcastAddress('192.168.1.20', '255.255.255.0'), '192.168.1.255');
    assert.equal(broadcastAddress('10.77.3.1', '255.255.255.0'), '10.77.3.255');
    assert.equal(broadcastAddress('172.16.5.4', '255.255.240.0'), '172.16.15.255');
    assert.equal(broadcastAddress('127.0.0.1', '255.0.0.0'), '127.255.255.255');
    assert.equal(broadcastAddress('10.1.2.3', '255.255.255.255'), '10.1.2.3');
    assert.equal(broadcastAddress('200.1.2.3', '128.0.0.0'), '255.255.255.255');
  });

  test('prefix length and subnet membership', () => {
    assert.equal(prefixLengthOf('255.255.255.0'), 24);
    assert.equal(prefixLengthOf('255.255.240.0'), 20);
    assert.equal(prefixLengthOf('0.0.0.0'), 0);
    const iface = { address: '10.77.3.1', netmask: '255.255.255.0' };
    assert.equal(inSubnet('10.77.3.200', iface), true);
    assert.equal(inSubnet('10.77.4.1', iface), false);
    assert.equal(inSubnet('127.0.0.1', { address: '127.0.0.1', netmask: '255.0.0.0' }), true);
    assert.equal(inSubnet('not-an-ip', iface), false);
    assert.equal(inSubnet('10.77.3.256', iface), false);
  });
});

describe('listInterfaces', () => {
  test('keeps one IPv4 address per interface, classified, with its broadcast address and state', () => {
    const list = listInterfaces(
      {
        lo: [v4('127.0.0.1', '255.0.0.0', true), v6('::1')],
        eth0: [v6('fe80::1'), v4('192.168.1.20', '255.255.255.0')],
        docker0: [v4('172.17.0.1', '255.255.0.0')],
        wg0: [v6('fd00::5')],
        wlan0: [v4('10.0.0.7', '255.255.255.0')],
      },
      (name) => (name === 'wlan0' ? { up: false, bridgePorts: null } : null),
    );
    assert.deepEqual(
      list.map((i) => [i.name, i.address, i.kind, i.broadcast, i.up]),
      [
        ['lo', '127.0.0.1', 'loopback', '127.255.255.255', true],
        ['eth0', '192.168.1.20', 'physical', '192.168.1.255', true],
        ['docker0', '172.17.0.1', 'virtual', '172.17.255.255', true],
        ['wlan0', '10.0.0.7', 'physical', '10.0.0.255', false],
      ],
    );
  });

  test('this machine: loopback is present and classified as loopback', () => {
    const lo = listInterfaces().find((i) => i.address === '127.0.0.1');
    assert.ok(lo, 'a 127.0.0.1 interface');
    assert.equal(lo.kind, 'loopback');
  });
});

describe('choosing interfaces', () => {
  const all = listInterfaces(
    {
      lo: [v4('127.0.0.1', '255.0.0.0', true)],
      eth0: [v4('192.168.1.20', '255.255.255.0')],
      docker0: [v4('172.17.0.1', '255.255.0.0')],
      wlan0: [v4('10.0.0.7', '255.255.255.0')],
    },
    (name) => (name === 'wlan0' ? { up: false, bridgePorts: null } : null),
  );

  test('by default every non-loopback interface that is up, and every interface listed', () => {
    assert.deepEqual(
      chooseInterfaces(all).map((c) => [c.name, c.used, c.error ?? '']),
      [
        ['lo', false, ''],
        ['eth0', true, ''],
        ['docker0', true, ''],
        ['wlan0', false, 'the interface is down'],
      ],
    );
    assert.deepEqual(
      chooseInterfaces(all, []).map((c) => c.used),
      [false, true, true, false],
      'an empty list is no narrowing',
    );
  });

  test('named interfaces only; loopback when named; unknown names reported', () => {
    assert.deepEqual(
      chooseInterfaces(all, ['lo', 'tun9', 'lo']).map((c) => [c.name, c.used, c.error ?? '']),
      [
        ['lo', true, ''],
        ['eth0', false, ''],
        ['docker0', false, ''],
        ['wlan0', false, ''],
        ['tun9', false, 'no such interface, or it has no IPv4 address'],
      ],
    );
  });
});
