/**
 * build/linux/60-fieldline.rules is generated from resources/usb-catalog.json and stays in step.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { catalogUsbIds, UDEV_RULES_PATH, udevRules } from '../../scripts/udev-rules.js';

const root = join(import.meta.dirname, '..', '..');

describe('udev rules', () => {
  test('the committed file is exactly what the shipped catalog generates (run scripts/generate-udev-rules.ts after editing the catalog)', () => {
    assert.equal(readFileSync(join(root, UDEV_RULES_PATH), 'utf8'), udevRules(shippedUsbCatalog()));
  });

  test('every vendor:product id of the catalog gets a uaccess rule for the USB device and its serial ports', () => {
    const rules = readFileSync(join(root, UDEV_RULES_PATH), 'utf8').split('\n');
    const entries = shippedUsbCatalog();
    assert.ok(entries.length > 0);
    for (const entry of entries) {
      for (const productId of entry.productIds) {
        const match = `ATTRS{idVendor}=="${entry.vendorId}", ATTRS{idProduct}=="${productId}"`;
        const usb = rules.filter((line) => line.startsWith('SUBSYSTEM=="usb"') && line.includes(match));
        const tty = rules.filter((line) => line.startsWith('SUBSYSTEM=="tty"') && line.includes(match));
        assert.equal(usb.length, 1, `${entry.id} ${entry.vendorId}:${productId} usb`);
        assert.equal(tty.length, 1, `${entry.id} ${entry.vendorId}:${productId} tty`);
        assert.match(usb[0]!, /ENV\{DEVTYPE\}=="usb_device", .*TAG\+="uaccess", MODE="0660", GROUP="plugdev"$/);
        assert.match(tty[0]!, /TAG\+="uaccess", MODE="0660", GROUP="dialout"$/);
      }
    }
  });

  test('every rule line is well-formed: KEY==/KEY+=/KEY= "value" pairs only, no world-writable modes', () => {
    const pair = String.raw`[A-Z]+(\{[A-Za-z]+\})?(==|\+=|=)"[^"]*"`;
    const line = new RegExp(`^${pair}(, ${pair})*$`);
    for (const rule of readFileSync(join(root, UDEV_RULES_PATH), 'utf8').split('\n')) {
      if (rule === '' || rule.startsWith('#')) continue;
      assert.match(rule, line);
      assert.doesNotMatch(rule, /MODE="0?6[67]6"|MODE="0?777"|RUN\+?=|PROGRAM=/);
    }
  });

  test('shared ids are listed once, naming every entry that uses them', () => {
    const ids = catalogUsbIds([
      { id: 'a', vendorId: '1D6B', productIds: ['0104'] },
      { id: 'b', vendorId: '1d6b', productIds: ['0104', '0002'] },
    ]);
    assert.deepEqual(ids, [
      { vendorId: '1d6b', productId: '0002', names: ['b'] },
      { vendorId: '1d6b', productId: '0104', names: ['a', 'b'] },
    ]);
  });

  test('an id that is not 4 hex digits is refused rather than written into a rule', () => {
    for (const [vendorId, productId] of [
      ['0955', '7323", RUN+="/bin/sh'],
      ['09 55', '7323'],
      ['0955', '73231'],
      ['', '7323'],
    ] as const) {
      assert.throws(() => udevRules([{ id: 'evil', vendorId, productIds: [productId] }]), /not a 4-hex-digit USB id/);
    }
  });
});
