/**
 * The virtual USB lab (issue 7): a Linux guest under QEMU software emulation where dummy_hcd and
 * a configfs CDC-ACM gadget make a real USB device that the guest's kernel enumerates. The
 * reference agent serves FGP on the gadget side (/dev/ttyGS0); on the host side of that bus the
 * guest finds the device with the `usb` package, links it to /dev/ttyACM0 through serialport's
 * list, and completes `hello` over it. A second agent serves FGP on the gadget's FunctionFS
 * vendor interface (`fieldline agent --functionfs`), and the guest completes `hello` there over
 * the USB bulk transport. Then `fieldline usb record` (from dist/) records the guest's bus; the
 * recording comes back through the lab's writable share, and FIELDLINE_USB_LAB_RECORD=<file>
 * writes it out (that is how test/fixtures/usb/lab-recorded-gadgets.json is made). See
 * test/helpers/usb-lab/.
 *
 * Runs by default; FIELDLINE_USB_LAB=0 opts out. Skips with the reason when QEMU or the Debian
 * kernel package cannot be had, or when dist/ is not built (the guest runs compiled JavaScript).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseUsbRecording, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { LAB_BULK_SERIAL, LAB_PRODUCT, LAB_PRODUCT_ID, LAB_SERIAL, LAB_VENDOR_ID } from '../helpers/usb-lab/init-script.js';
import { prepareLab } from '../helpers/usb-lab/prepare.js';
import type { LabResult } from '../helpers/usb-lab/result.js';
import { distState, runLab } from '../helpers/usb-lab/run.js';

const log = (m: string): void => void process.stderr.write(`# ${m}\n`);
// On by default since the guest runs dist/ instead of tsx (whose WebAssembly lexer once crashed
// under emulation); FIELDLINE_USB_LAB=0 skips it, e.g. on a machine where QEMU is too slow.
const optedOut = process.env.FIELDLINE_USB_LAB === '0';
const built = optedOut ? null : await distState();
if (built && 'stale' in built) log(`warning: ${built.stale}`);
const image = optedOut
  ? { reason: 'FIELDLINE_USB_LAB=0 opts out' }
  : built && 'missing' in built
    ? { reason: built.missing }
    : await prepareLab(log).catch((err: Error) => ({ reason: `preparing the guest failed: ${err.message}` }));
const skip = 'reason' in image ? `virtual USB lab not run: ${image.reason}` : false;

/** How the committed fixture is regenerated; kept in its `description`. */
const REGENERATE =
  "Recorded by the virtual USB lab (test/integration/usb-lab.test.ts): QEMU boots Debian's kernel, two dummy_hcd buses carry two configfs gadgets (CDC-ACM; FunctionFS FGP vendor bulk interface), and after the lab check `fieldline usb record` runs in the guest from dist/. Sysfs paths are the guest's. Regenerate with: npm run build && FIELDLINE_USB_LAB_RECORD=test/fixtures/usb/lab-recorded-gadgets.json node --import tsx --test test/integration/usb-lab.test.ts (or FIELDLINE_USB_LAB_RECORD=<that path> npm run test:integration).";

describe('virtual USB lab: a real enumerated gadget is found, linked and spoken to', { skip, timeout: 600_000 }, () => {
  let result: LabResult;
  let recording: string | null = null;

  before(async () => {
    if ('reason' in image) return;
    const run = await runLab(image, { log, timeoutMs: 540_000 });
    log(`guest run: ${run.wallMs} ms wall, qemu exit ${run.exitCode}`);
    if (!run.result) assert.fail(`the guest printed no result line; console tail:\n${run.console.split('\n').slice(-40).join('\n')}`);
    result = run.result;
    recording = run.recording;
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

  test('hello over the FunctionFS bulk interface: the USB bulk transport through the usb package, twice', () => {
    assert.ok(result.bulk, result.errors.join('; '));
    log(`bulk: ${JSON.stringify(result.bulk)}`);
    assert.ok(result.usbAgentId, 'the FunctionFS agent printed its id');
    assert.equal(result.bulk.id, result.usbAgentId, 'the agent behind the bulk interface answered and proved its key');
    assert.equal(result.bulk.reopenedId, result.usbAgentId, 'the interface was released and claimed again');
    assert.equal(result.bulk.fgp.endpointIn & 0x80, 0x80);
    assert.equal(result.bulk.fgp.endpointOut & 0x80, 0);
  });

  test('after auth, status and 1 MiB of artifact chunks go through the bulk transport', () => {
    assert.ok(result.bulk?.transfer, result.errors.join('; '));
    const t = result.bulk.transfer;
    assert.equal(t.statusOk, true);
    assert.equal(t.bytes, 1024 * 1024);
    assert.ok((t.stats.bytesOut ?? 0) > t.bytes, 'the chunks went out in bulk transfers');
    log(`bulk under emulation: ${t.bytes} bytes in ${t.ms} ms; ${JSON.stringify(t.stats)}`);
  });

  test('`fieldline usb record` in the guest recorded both gadgets, the ACM tty and its sysfs link', async () => {
    assert.ok(recording, 'the guest wrote no recording to the share (see the "record FAILED" console lines)');
    const parsed: UsbRecording = parseUsbRecording(recording, 'the lab recording');
    assert.match(parsed.source, /^fieldline usb record on linux at \d{4}-\d\d-\d\dT/);
    assert.match(parsed.source, /QEMU emulator version [\d.]+/);
    assert.match(parsed.source, /guest kernel Linux \d+\.\d+\.\d+/);
    const acm = parsed.devices.find((d) => d.serial === LAB_SERIAL);
    const bulk = parsed.devices.find((d) => d.serial === LAB_BULK_SERIAL);
    assert.ok(
      acm && bulk,
      `both gadgets recorded; got ${parsed.devices.map((d) => `${d.busPath} ${d.vendorId}:${d.productId} ${d.serial ?? ''}`).join(', ')}`,
    );
    assert.equal(acm.vendorId, LAB_VENDOR_ID);
    assert.equal(bulk.productId, LAB_PRODUCT_ID);
    assert.deepEqual(acm.interfaces.map((i) => i.class).sort(), [10, 2]);
    assert.ok(
      bulk.interfaces.some((i) => i.class === 0xff && i.endpoints.filter((e) => e.type === 'bulk').length === 2),
      'the FGP vendor bulk interface',
    );
    assert.ok(
      parsed.serialPorts?.some((p) => p.path === '/dev/ttyACM0'),
      'the serial listing has /dev/ttyACM0',
    );
    assert.match(parsed.sysfs?.links['/sys/class/tty/ttyACM0/device'] ?? '', new RegExp(`/${acm.busPath}:1\\.\\d+$`));

    const out = process.env.FIELDLINE_USB_LAB_RECORD;
    if (out) {
      // The recorder's output as written, plus how to make it again (`description` is part of the format).
      const file = resolve(out);
      const { source, ...rest } = JSON.parse(recording) as Record<string, unknown>;
      const json = JSON.stringify({ source, description: REGENERATE, ...rest }, null, 2);
      // In the repository's own format, so a regenerated fixture passes format:check as it is.
      const prettier = await import('prettier');
      const text = await prettier.format(json, { ...(await prettier.resolveConfig(file)), filepath: file });
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
      log(`recording written to ${file}`);
    }
  });
});
