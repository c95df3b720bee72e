/**
 * Search settings and "Add by address", pure parts: the serial list, the interface selection,
 * the words for interface kinds and the summary line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveryReport } from '../../core/api/schemas.js';
import {
  describeSelection,
  formatSerialList,
  interfaceKindLabel,
  interfaceKindNote,
  normaliseAddress,
  normaliseSelection,
  parseSerialList,
  selectionFromReport,
} from '../../renderer/devices/search-settings.js';

const report: DiscoveryReport = {
  running: true,
  startedAt: 1,
  devicesFound: 0,
  hints: [],
  interfaces: [
    { name: 'lo', address: '127.0.0.1', kind: 'loopback', used: true, mdnsAnswers: 0, udpAnswers: 0 },
    { name: 'eth0', address: '192.0.2.5', kind: 'physical', used: false, mdnsAnswers: 0, udpAnswers: 0 },
    { name: 'docker0', address: '172.17.0.1', kind: 'virtual', used: false, mdnsAnswers: 0, udpAnswers: 0 },
  ],
  serialPorts: [
    { path: '/dev/ttyUSB0', reason: 'catalog', catalogEntry: 'FTDI', baudRates: [115200], result: 'no-answer' },
    { path: '/dev/pts/7', reason: 'named', baudRates: [115200], result: 'found' },
  ],
};

describe('parseSerialList', () => {
  test('splits on commas and line breaks, trims, drops blanks and repeats', () => {
    assert.deepEqual(parseSerialList(' /dev/ttyUSB0 ,, /dev/ttyACM1\n/dev/ttyUSB0, COM3 '), {
      ok: true,
      ports: ['/dev/ttyUSB0', '/dev/ttyACM1', 'COM3'],
    });
    assert.deepEqual(parseSerialList(''), { ok: true, ports: [] });
    assert.deepEqual(parseSerialList('  ,  '), { ok: true, ports: [] });
  });

  test('accepts Windows names in both spellings', () => {
    assert.deepEqual(parseSerialList('com4, \\\\.\\COM12'), { ok: true, ports: ['com4', '\\\\.\\COM12'] });
  });

  test('refuses a bare name with a reason code and the fix', () => {
    const result = parseSerialList('/dev/ttyUSB0, ttyUSB1');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, 'bad_serial_port');
    assert.match(result.message, /"ttyUSB1" is not a serial port path/);
    assert.match(result.fix, /\/dev\/ttyUSB0/);
  });

  test('refuses a baud rate and points at "Add by address"', () => {
    const result = parseSerialList('/dev/ttyUSB0@921600');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.match(result.message, /baud rate/);
    assert.match(result.fix, /\/dev\/ttyUSB0\b.*Add by address/);
  });

  test('refuses a path with a space inside', () => {
    assert.equal(parseSerialList('/dev/tty USB0').ok, false);
  });

  test('formatSerialList round-trips', () => {
    const ports = ['/dev/ttyUSB0', 'COM3'];
    assert.equal(formatSerialList(ports), '/dev/ttyUSB0, COM3');
    assert.deepEqual(parseSerialList(formatSerialList(ports)), { ok: true, ports });
  });
});

describe('selectionFromReport', () => {
  test('reads the interfaces in use and only the ports the technician named', () => {
    assert.deepEqual(selectionFromReport(report), { interfaces: ['lo'], serialPorts: ['/dev/pts/7'] });
  });
});

describe('normaliseSelection', () => {
  test('keeps the report order and drops names the report no longer lists', () => {
    const result = normaliseSelection(report.interfaces, new Set(['docker0', 'wlan9', 'lo']), '/dev/pts/7');
    assert.deepEqual(result, { ok: true, selection: { interfaces: ['lo', 'docker0'], serialPorts: ['/dev/pts/7'] } });
  });

  test('refuses an empty interface selection instead of letting the engine search everything', () => {
    const result = normaliseSelection(report.interfaces, new Set(), '');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, 'no_interface');
    assert.match(result.fix, /Tick/);
    // A ticked name the report does not list counts as nothing ticked.
    assert.equal(normaliseSelection(report.interfaces, new Set(['wlan9']), '').ok, false);
  });

  test('passes the serial list error through', () => {
    const result = normaliseSelection(report.interfaces, new Set(['lo']), 'USB0');
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.code, 'bad_serial_port');
  });
});

describe('interface kinds', () => {
  test('virtual interfaces are called Docker/VM bridges and warned about; adapters are not', () => {
    assert.equal(interfaceKindLabel('virtual'), 'Docker/VM bridge');
    assert.match(interfaceKindNote('virtual') ?? '', /rarely/);
    assert.equal(interfaceKindNote('physical'), null);
    assert.match(interfaceKindLabel('loopback'), /loopback/);
    assert.notEqual(interfaceKindNote('namespace-bridge'), null);
  });
});

describe('describeSelection', () => {
  test('names the interfaces, then the serial ports when there are any', () => {
    assert.equal(describeSelection({ interfaces: ['lo'], serialPorts: [] }), 'Searching lo');
    assert.equal(describeSelection({ interfaces: ['eth0', 'lo'], serialPorts: ['/dev/pts/7'] }), 'Searching eth0, lo · serial /dev/pts/7');
    assert.equal(describeSelection({ interfaces: [], serialPorts: [] }), 'Searching no network interface');
  });
});

describe('normaliseAddress', () => {
  test('trims, and catches a blank field before the engine is asked', () => {
    assert.deepEqual(normaliseAddress('  127.0.0.1:4000 '), { ok: true, address: '127.0.0.1:4000' });
    const blank = normaliseAddress('   ');
    assert.equal(blank.ok, false);
    if (!blank.ok) assert.match(blank.fix, /10\.0\.0\.7/);
  });
});
