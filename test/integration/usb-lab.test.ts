/**
 * The virtual USB lab (issue 7): a Linux guest under QEMU software emulation where dummy_hcd and
 * a configfs CDC-ACM gadget make a real USB device that the guest's kernel enumerates. The
 * reference agent serves FGP on the gadget side (/dev/ttyGS0); on the host side of that bus the
 * guest finds the device with the `usb` package, links it to /dev/ttyACM0 through serialport's
 * list, and completes `hello` over it. See test/helpers/usb-lab/.
 *
 * Runs with FIELDLINE_USB_LAB=1; skips with the reason otherwise, and when QEMU or the Debian
 * kernel package cannot be had.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_PRODUCT, LAB_PRODUCT_ID, LAB_SERIAL, LAB_VENDOR_ID } from '../helpers/usb-lab/init-script.js';
import { prepareLab } from '../helpers/usb-lab/prepare.js';
import type { LabResult } from '../helpers/usb-lab/result.js';
import { runLab } from '../helpers/usb-lab/run.js';

const log = (m: string): void => void process.stderr.write(`# ${m}\n`);
// Opt-in: under software emulation a run takes 45 s to 3 min, and tsx's WebAssembly lexer has
// crashed once inside the guest (an agent that never answered). Until the guest runs compiled
// JavaScript instead of tsx, `npm test` asks for it explicitly: FIELDLINE_USB_LAB=1.
const wanted = process.env.FIELDLINE_USB_LAB === '1';
const image = wanted
  ? await prepareLab(log).catch((err: Error) => ({ reason: `preparing the guest failed: ${err.message}` }))
  : { reason: 'set FIELDLINE_USB_LAB=1 to run it (QEMU software emulation, 1 to 3 minutes)' };
const skip = 'reason' in image ? `virtual USB lab not run: ${image.reason}` : false;

describe('virtual USB lab: a real enumerated gadget is found, linked and spoken to', { skip, timeout: 600_000 }, () => {
  let result: LabResult;

  before(async () => {
    if ('reason' in image) return;
    const run = await runLab(image, { log, timeoutMs: 540_000 });
    log(`guest run: ${run.wallMs} ms wall, qemu exit ${run.exitCode}`);
    if (!run.result) assert.fail(`the guest printed no result line; console tail:\n${run.console.split('\n').slice(-40).join('\n')}`);
    result = run.result;
    if (result.errors.length) log(`guest errors: ${result.errors.join('; ')}`);
  });

  test("Fieldline's USB discovery enumerates the gadget through the usb package, with its ids, strings and catalog family", () => {
    assert.ok(result.usb, result.errors.join('; '));
    assert.equal(result.usb.vendorId, LAB_VENDOR_ID);
    assert.equal(result.usb.productId, LAB_PRODUCT_ID);
    assert.equal(result.usb.serialNumber, LAB_SERIAL);
    assert.equal(result.usb.product, LAB_PRODUCT);
    // CDC-ACM: a communications interface (class 2) and a data interface (class 10).
    assert.deepEqual([...result.usb.interfaceClasses].sort(), [10, 2]);
    // No vendor-specific FGP interface: the catalog calls it a plain Linux gadget, not the reference one.
    assert.equal(result.usb.family, 'Linux USB gadget (configfs composite)');
  });

  test("serialport's list links /dev/ttyACM0 to the same vendor, product and serial number", () => {
    assert.ok(result.serial, result.errors.join('; '));
    assert.equal(result.serial.path, '/dev/ttyACM0');
    assert.equal(result.serial.linkedBy, 'bus-path', 'linked through sysfs, not by guessing from ids');
    assert.equal(result.serial.vendorId, result.usb?.vendorId);
    assert.equal(result.serial.productId, result.usb?.productId);
    assert.equal(result.serial.serialNumber, result.usb?.serialNumber);
  });

  test('hello over /dev/ttyACM0 reaches the agent on the gadget side', () => {
    assert.ok(result.hello, result.errors.join('; '));
    assert.ok(result.agentId, 'the agent printed its id');
    assert.equal(result.hello.id, result.agentId);
  });
});
