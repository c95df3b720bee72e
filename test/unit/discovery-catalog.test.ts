import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinCatalog, matchCatalog, normaliseUsbId, parseCatalog, NAMED_PORT_BAUD_RATES } from '../../core/discovery/catalog.js';
import { selectSerialCandidates, type SerialPortInfo } from '../../core/discovery/serial-probe.js';

// Recorded from `SerialPort.list()` on Linux laptops (udev): FTDI and CH340 cables, a built-in
// UART, a Bluetooth RFCOMM port and an unknown USB modem.
const recorded: SerialPortInfo[] = [
  { path: '/dev/ttyS0', manufacturer: undefined, vendorId: undefined, productId: undefined },
  { path: '/dev/ttyUSB0', manufacturer: 'FTDI', serialNumber: 'A10K5XYZ', vendorId: '0403', productId: '6001' },
  { path: '/dev/ttyUSB1', manufacturer: '1a86', vendorId: '1a86', productId: '7523' },
  { path: '/dev/ttyACM0', manufacturer: 'Sierra Wireless', vendorId: '1199', productId: '9071' },
  { path: '/dev/rfcomm0', manufacturer: undefined },
];

describe('the shipped device catalog', () => {
  test('parses against its schema and lists the common gateway USB-serial bridges', () => {
    const catalog = builtinCatalog();
    const ids = new Set(catalog.entries.map((e) => `${e.vendorId}:${e.productId}`));
    for (const id of ['0403:6001', '0403:6015', '10c4:ea60', '1a86:7523', '067b:2303']) assert.ok(ids.has(id), id);
    const console = catalog.entries.find((e) => e.name === 'Fieldline gateway console');
    assert.ok(console, 'a Fieldline gateway console entry');
    assert.match(console.note, /made up/i, 'its made-up VID/PID is labelled as such');
    for (const entry of catalog.entries) assert.ok(entry.baudRates.length > 0, entry.name);
  });
});

describe('catalog schema', () => {
  test('rejects bad ids, missing baud rates and duplicates with a specific reason', () => {
    const entry = { name: 'x', vendorId: '0403', productId: '6001', baudRates: [115200], note: '' };
    assert.equal(parseCatalog({ version: 1, entries: [entry] }).ok, true);
    const badId = parseCatalog({ version: 1, entries: [{ ...entry, vendorId: '0x0403' }] });
    assert.equal(badId.ok, false);
    assert.match((badId as { reason: string }).reason, /entries\.0\.vendorId/);
    const noBaud = parseCatalog({ version: 1, entries: [{ ...entry, baudRates: [] }] });
    assert.match((noBaud as { reason: string }).reason, /baud/);
    const twice = parseCatalog({ version: 1, entries: [entry, { ...entry, name: 'y' }] });
    assert.match((twice as { reason: string }).reason, /0403:6001 is listed twice/);
    assert.equal(parseCatalog({ version: 2, entries: [] }).ok, false);
    assert.equal(parseCatalog('nonsense').ok, false);
  });
});

describe('matching ports against the catalog', () => {
  test('USB ids are normalised the way OSes report them', () => {
    assert.equal(normaliseUsbId('0x0403'), '0403');
    assert.equal(normaliseUsbId('403'), '0403');
    assert.equal(normaliseUsbId('EA60'), 'ea60');
    assert.equal(normaliseUsbId(undefined), null);
    assert.equal(normaliseUsbId('zzzz'), null);
    assert.equal(matchCatalog({ vendorId: '10C4', productId: 'EA60' }, builtinCatalog())?.name, 'Silicon Labs CP210x UART bridge');
    assert.equal(matchCatalog({ vendorId: '0403' }, builtinCatalog()), null);
  });

  test('only catalog ports are candidates when nothing is named', () => {
    const candidates = selectSerialCandidates(recorded, [], builtinCatalog());
    assert.deepEqual(
      candidates.map((c) => [c.path, c.reason, c.catalogEntry]),
      [
        ['/dev/ttyUSB0', 'catalog', 'FTDI FT232R USB UART'],
        ['/dev/ttyUSB1', 'catalog', 'WCH CH340 serial converter'],
      ],
    );
    assert.deepEqual(candidates[0]!.baudRates, [115200, 921600]);
  });

  test('named ports come first, at 115200 then 921600, even when not listed (ptys never are)', () => {
    const candidates = selectSerialCandidates(recorded, ['/tmp/gw-pty', '/dev/ttyS0', '/dev/ttyUSB1', '/tmp/gw-pty'], builtinCatalog());
    assert.deepEqual(
      candidates.map((c) => [c.path, c.reason]),
      [
        ['/tmp/gw-pty', 'named'],
        ['/dev/ttyS0', 'named'],
        ['/dev/ttyUSB1', 'named'],
        ['/dev/ttyUSB0', 'catalog'],
      ],
    );
    assert.deepEqual(candidates[0]!.baudRates, [...NAMED_PORT_BAUD_RATES]);
    assert.deepEqual(NAMED_PORT_BAUD_RATES, [115200, 921600]);
    assert.equal(candidates[2]!.catalogEntry, 'WCH CH340 serial converter', 'a named catalog port keeps its catalog baud rates');
  });
});
