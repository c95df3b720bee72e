import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadUsbCatalog,
  matchUsbCatalog,
  mergeUsbCatalogs,
  parseUsbCatalogFile,
  shippedUsbCatalog,
  USB_CATALOG_FILE,
  type UsbCatalogEntry,
} from '../../core/discovery/usb/usb-catalog.js';

const good: UsbCatalogEntry = {
  id: 'acme-gw-recovery',
  family: 'ACME gateway',
  mode: 'recovery',
  vendorId: '1234',
  productIds: ['5678'],
  meaning: 'boot ROM',
  nextStep: 'run acme-flash',
  source: 'ACME manual p. 12',
};

function problemsOf(entry: Record<string, unknown>): string[] {
  return parseUsbCatalogFile('user.json', { version: 1, entries: [entry] }).problems;
}

describe('the shipped USB catalog', () => {
  test('parses, says where every id came from, and covers the gateway families and bridges', () => {
    const entries = shippedUsbCatalog();
    const ids = new Set(entries.flatMap((e) => e.productIds.map((p) => `${e.vendorId}:${p}`)));
    for (const id of [
      '0955:7523',
      '0955:7323',
      '0955:7020',
      '0a5c:2711',
      '0a5c:2712',
      '1d6b:0104',
      '0403:6001',
      '0403:6010',
      '0403:6014',
      '0403:6015',
      '10c4:ea60',
      '10c4:ea70',
      '1a86:7523',
      '1a86:55d4',
      '067b:2303',
      '067b:23a3',
    ])
      assert.ok(ids.has(id), id);
    for (const e of entries) {
      assert.ok(e.source.length > 10, `${e.id} has a source`);
      if (e.mode === 'uart-bridge') assert.ok(e.baudRates?.length, `${e.id} has baud rates`);
    }
    const jetson = entries.find((e) => e.productIds.includes('7523'))!;
    assert.equal(jetson.mode, 'recovery');
    assert.match(jetson.nextStep, /flash/i);
  });
});

describe('catalog entry validation', () => {
  test('a good entry parses with no problem', () => {
    const parsed = parseUsbCatalogFile('user.json', { version: 1, entries: [good] });
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.entries[0]?.id, 'acme-gw-recovery');
  });

  test('each kind of bad entry is rejected with the file, the entry and the field', () => {
    assert.deepEqual(problemsOf({ ...good, vendorId: '0x1234' }), [
      'user.json: entry 0 ("acme-gw-recovery"): vendorId: a USB id is 4 lowercase hex digits, e.g. "0955"',
    ]);
    assert.match(
      problemsOf({ ...good, productIds: [] })[0]!,
      /^user\.json: entry 0 \("acme-gw-recovery"\): productIds: at least one product id$/,
    );
    assert.match(problemsOf({ ...good, productIds: ['ABCD'] })[0]!, /productIds\.0: a USB id/);
    assert.match(problemsOf({ ...good, mode: 'sleeping' })[0]!, /entry 0 \("acme-gw-recovery"\): mode: /);
    assert.match(problemsOf({ ...good, source: '' })[0]!, /source: say where the ids come from/);
    assert.match(problemsOf({ ...good, nextStep: '' })[0]!, /nextStep: say what the technician/);
    assert.match(problemsOf({ ...good, mode: 'uart-bridge' })[0]!, /baudRates: a uart-bridge entry needs the baud rates to probe/);
    assert.match(problemsOf({ ...good, fgp: { interfaceClass: 255 } })[0]!, /fgp: a device in recovery mode runs no agent/);
    assert.match(problemsOf({ ...good, mode: 'running', fgp: { interfaceClass: 255, endpointIn: 1 } })[0]!, /fgp\.endpointIn/);
    assert.match(problemsOf({ ...good, colour: 'red' })[0]!, /entry 0 \("acme-gw-recovery"\): \(entry\): .*colour/);
    const { id: _id, ...noId } = good;
    assert.match(problemsOf(noId)[0]!, /^user\.json: entry 0: id: /);
    const twice = parseUsbCatalogFile('user.json', { version: 1, entries: [good, good] });
    assert.deepEqual(twice.problems, ['user.json: entry 1 ("acme-gw-recovery"): id: "acme-gw-recovery" is used twice in this file']);
    assert.match(parseUsbCatalogFile('user.json', { version: 2, entries: [] }).problems[0]!, /^user\.json: version: version must be 1/);
    assert.match(parseUsbCatalogFile('user.json', 'nonsense').problems[0]!, /^user\.json: \(file\): /);
  });

  test('bad entries are left out, good ones in the same file are kept', () => {
    const parsed = parseUsbCatalogFile('user.json', {
      version: 1,
      entries: [
        { ...good, vendorId: 'zz' },
        { ...good, id: 'acme-ok' },
      ],
    });
    assert.deepEqual(
      parsed.entries.map((e) => e.id),
      ['acme-ok'],
    );
    assert.equal(parsed.problems.length, 1);
  });
});

describe('user catalog merged over the shipped one', () => {
  test('a user entry replaces the shipped entry with its id and new ids are added', () => {
    const shipped = shippedUsbCatalog();
    const replaced = { ...shipped.find((e) => e.id === 'ftdi-ft232r')!, baudRates: [1500000] };
    const merged = mergeUsbCatalogs(shipped, [replaced, good]);
    assert.equal(merged.entries.length, shipped.length + 1);
    assert.deepEqual(merged.entries.find((e) => e.id === 'ftdi-ft232r')?.baudRates, [1500000]);
    assert.deepEqual(merged.userEntries, ['ftdi-ft232r', 'acme-gw-recovery']);
    assert.equal(matchUsbCatalog({ vendorId: '1234', productId: '5678', interfaces: [] }, merged)?.family, 'ACME gateway');
  });

  test('loads <data dir>/usb-catalog.json; a broken file or entry is reported, never thrown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-usb-catalog-'));
    try {
      assert.equal(loadUsbCatalog(dir).catalog.entries.length, shippedUsbCatalog().length, 'no user file: shipped only');
      const file = join(dir, USB_CATALOG_FILE);
      writeFileSync(file, JSON.stringify({ version: 1, entries: [good, { ...good, id: 'broken', family: '' }] }));
      const loaded = loadUsbCatalog(dir);
      assert.ok(loaded.catalog.entries.some((e) => e.id === 'acme-gw-recovery'));
      assert.deepEqual(loaded.problems, [`${file}: entry 1 ("broken"): family: say which gateway family this is`]);
      writeFileSync(file, '{ not json');
      const bad = loadUsbCatalog(dir);
      assert.equal(bad.catalog.entries.length, shippedUsbCatalog().length);
      assert.match(bad.problems[0]!, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('matching', () => {
  test('a composite id matches the entry whose required interfaces it has, else the generic one', () => {
    const catalog = mergeUsbCatalogs(shippedUsbCatalog(), []);
    const vendor = { class: 255, subclass: 0, protocol: 0 };
    const acm = { class: 2, subclass: 2, protocol: 1 };
    assert.equal(
      matchUsbCatalog({ vendorId: '1d6b', productId: '0104', interfaces: [acm, vendor] }, catalog)?.id,
      'fieldline-reference-gadget',
    );
    assert.equal(matchUsbCatalog({ vendorId: '1d6b', productId: '0104', interfaces: [acm] }, catalog)?.id, 'linux-gadget-composite');
    assert.equal(matchUsbCatalog({ vendorId: '046d', productId: 'c52e', interfaces: [] }, catalog), null);
  });
});
