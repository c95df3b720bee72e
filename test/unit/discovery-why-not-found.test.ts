import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InterfaceReport, SerialPortReport } from '../../core/api/schemas.js';
import { hint as hintSchema } from '../../core/api/schemas.js';
import { whyNotFound, type Observations } from '../../core/discovery/why-not-found.js';

function iface(name: string, kind: InterfaceReport['kind'], overrides: Partial<InterfaceReport> = {}): InterfaceReport {
  return { name, address: '10.0.0.1', kind, used: true, mdnsAnswers: 0, udpAnswers: 0, ...overrides };
}
function port(path: string, result: SerialPortReport['result'], reason: SerialPortReport['reason'] = 'catalog'): SerialPortReport {
  return { path, reason, baudRates: [115200, 921600], result };
}
function observe(overrides: Partial<Observations>): Observations {
  return { lan: true, serial: false, interfaces: [], serialPorts: [], serialPortsListed: 0, devicesFound: 0, settled: true, ...overrides };
}
const codes = (o: Observations): string[] => whyNotFound(o).map((h) => h.code);

describe('why not found: network', () => {
  test('no interface up', () => {
    const hints = whyNotFound(observe({ interfaces: [iface('lo', 'loopback', { used: false, address: '127.0.0.1' })] }));
    assert.deepEqual(
      hints.map((h) => h.code),
      ['no-interface'],
    );
    assert.match(hints[0]!.message, /No network interface with an IPv4 address is up/);
    assert.match(hints[0]!.fix, /cable|Wi-Fi/);
  });

  test('interfaces present but down or not selected are named', () => {
    const hints = whyNotFound(observe({ interfaces: [iface('eth0', 'physical', { used: false, error: 'the interface is down' })] }));
    assert.deepEqual(
      hints.map((h) => h.code),
      ['no-interface'],
    );
    assert.match(hints[0]!.message, /eth0 the interface is down/);
  });

  test('a chosen interface that could not be used says why', () => {
    const hints = whyNotFound(observe({ interfaces: [iface('eth0', 'physical', { error: 'mDNS: bind EADDRINUSE' })] }));
    assert.deepEqual(
      hints.map((h) => h.code),
      ['interface-error', 'no-interface'],
    );
    assert.match(hints[0]!.message, /eth0.*EADDRINUSE/);
  });

  test('only Docker/VM bridges up and nothing answered', () => {
    const hints = whyNotFound(
      observe({ interfaces: [iface('docker0', 'virtual'), iface('virbr0', 'virtual'), iface('lo', 'loopback', { used: false })] }),
    );
    assert.deepEqual(
      hints.map((h) => h.code),
      ['only-virtual-interfaces', 'no-lan-answers'],
    );
    assert.match(hints[0]!.message, /docker0, virbr0/);
    assert.match(hints[0]!.message, /Docker, VM/);
  });

  test('interfaces up but no answers: multicast may be blocked, try the address directly', () => {
    const hints = whyNotFound(observe({ interfaces: [iface('eth0', 'physical'), iface('docker0', 'virtual')] }));
    assert.deepEqual(
      hints.map((h) => h.code),
      ['no-lan-answers'],
    );
    assert.match(hints[0]!.message, /eth0, docker0/);
    assert.match(hints[0]!.fix, /[Mm]ulticast may be blocked/);
    assert.match(hints[0]!.fix, /another subnet/);
    assert.match(hints[0]!.fix, /fieldline info <ip>/);
  });

  test('no "no answer" hint before the first round had time to be answered', () => {
    assert.deepEqual(codes(observe({ interfaces: [iface('eth0', 'physical')], settled: false })), []);
  });

  test('no network hint once anything answered', () => {
    assert.deepEqual(
      codes(observe({ interfaces: [iface('eth0', 'physical', { udpAnswers: 1 }), iface('wlan0', 'physical')], devicesFound: 1 })),
      [],
    );
  });

  test('only loopback chosen: no "only virtual" hint, just no answers', () => {
    assert.deepEqual(codes(observe({ interfaces: [iface('lo', 'loopback', { address: '127.0.0.1' })] })), ['no-lan-answers']);
  });

  test('LAN discovery off: no network hints at all', () => {
    assert.deepEqual(codes(observe({ lan: false, interfaces: [] })), []);
  });
});

describe('why not found: serial', () => {
  const serialOnly = (overrides: Partial<Observations>): Observations => observe({ lan: false, serial: true, ...overrides });

  test('permission denied gives the dialout fix', () => {
    const hints = whyNotFound(serialOnly({ serialPorts: [port('/dev/ttyUSB0', 'permission-denied')], serialPortsListed: 1 }));
    assert.equal(hints[0]!.code, 'serial-permission-denied');
    assert.match(hints[0]!.message, /\/dev\/ttyUSB0/);
    assert.match(hints[0]!.fix, /usermod -aG dialout/);
  });

  test('ports listed but none in the catalog: name the port explicitly', () => {
    const hints = whyNotFound(serialOnly({ serialPorts: [], serialPortsListed: 2 }));
    assert.deepEqual(
      hints.map((h) => h.code),
      ['serial-no-match'],
    );
    assert.match(hints[0]!.message, /2 serial ports found, but none is a known gateway adapter/);
    assert.match(hints[0]!.fix, /Name the port in Search settings \(or fieldline discover --serial/);
  });

  test('a busy port names the other program', () => {
    assert.deepEqual(codes(serialOnly({ serialPorts: [port('/dev/ttyUSB0', 'busy')], serialPortsListed: 1 })), ['serial-busy']);
  });

  test('a named port that stayed silent is explained; a silent catalog port is not a problem', () => {
    const hints = whyNotFound(
      serialOnly({ serialPorts: [port('/tmp/pty', 'no-answer', 'named'), port('/dev/ttyUSB0', 'no-answer')], serialPortsListed: 1 }),
    );
    assert.deepEqual(
      hints.map((h) => h.code),
      ['serial-no-answer'],
    );
    assert.match(hints[0]!.message, /\/tmp\/pty at 115200, 921600 baud/);
  });

  test('listing failed: say so and suggest naming the port', () => {
    const hints = whyNotFound(serialOnly({ serialPortsListed: null, serialListError: 'spawn udevadm ENOENT' }));
    assert.deepEqual(
      hints.map((h) => h.code),
      ['serial-list-failed'],
    );
    assert.match(hints[0]!.message, /udevadm ENOENT/);
  });

  test('no serial ports at all, nothing found', () => {
    assert.deepEqual(codes(serialOnly({})), ['serial-no-ports']);
    assert.deepEqual(codes(serialOnly({ devicesFound: 1 })), []);
  });

  test('a found serial gateway silences the "no match" hint', () => {
    assert.deepEqual(codes(serialOnly({ serialPorts: [port('/tmp/pty', 'found', 'named')], serialPortsListed: 3 })), []);
  });
});

test('every hint matches the API schema and has a fix', () => {
  const all = whyNotFound(
    observe({
      serial: true,
      interfaces: [iface('docker0', 'virtual'), iface('eth9', 'physical', { error: 'x' })],
      serialPorts: [
        port('/dev/a', 'permission-denied'),
        port('/dev/b', 'busy'),
        port('/dev/c', 'error'),
        port('/dev/d', 'no-answer', 'named'),
      ],
      serialPortsListed: 4,
    }),
  );
  assert.ok(all.length >= 6);
  for (const h of all) {
    assert.equal(hintSchema.safeParse(h).success, true);
    assert.ok(h.fix.length > 10, h.code);
  }
});
