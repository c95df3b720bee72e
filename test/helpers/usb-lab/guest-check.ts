/**
 * Runs inside the lab guest, on the USB host side of the dummy_hcd bus: finds the gadget with
 * Fieldline's USB discovery (the native adapter over the `usb` package, and the catalog), links it
 * to its tty (core/discovery/usb/link.ts over serialport's list and sysfs), and completes FGP
 * `hello` over the linked tty with the reference agent on the gadget side. Prints one line: RESULT_PREFIX + JSON.
 *
 * Usage (guest): node --import tsx test/helpers/usb-lab/guest-check.ts AGENT_JSON_FILE
 */
import { existsSync, readFileSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { linkSerialPorts, realSysfs } from '../../../core/discovery/usb/link.js';
import { loadUsbCatalog } from '../../../core/discovery/usb/usb-catalog.js';
import { NativeUsbAdapter } from '../../../core/discovery/usb/usb-adapter.js';
import { UsbEnumerator } from '../../../core/discovery/usb/usb-enumerator.js';
import { openDeviceSession } from '../../../core/engine/device-session.js';
import { LAB_PRODUCT_ID, LAB_VENDOR_ID } from './init-script.js';
import { RESULT_PREFIX, type LabResult } from './result.js';

// --warm: only load the modules (the host runs this to fill tsx's cache for the guest).
if (process.argv[2] === '--warm') process.exit(0);
const agentJson = process.argv[2] ?? `${process.env.TMPDIR ?? '/tmp'}/agent.json`;
const result: LabResult = { usb: null, serial: null, hello: null, agentId: null, errors: [] };
const started = Date.now();
const elapsed = (): number => Date.now() - started;
const timings: Record<string, number> = {};

// Fieldline's own USB discovery: the native adapter over the `usb` package, the catalog, linking.
let linkedPath: string | null = null;
try {
  const { catalog } = loadUsbCatalog(`${process.env.TMPDIR ?? '/tmp'}/no-user-catalog`);
  const listed = await new UsbEnumerator(new NativeUsbAdapter(), catalog).list();
  if (!listed.ok) throw new Error(listed.reason);
  const gadget = listed.devices.find((d) => d.vendorId === LAB_VENDOR_ID && d.productId === LAB_PRODUCT_ID);
  if (!gadget) result.errors.push(`usb: no ${LAB_VENDOR_ID}:${LAB_PRODUCT_ID} among ${listed.devices.length} devices`);
  else {
    result.usb = {
      vendorId: gadget.vendorId,
      productId: gadget.productId,
      manufacturer: gadget.manufacturer ?? null,
      product: gadget.product ?? null,
      serialNumber: gadget.serial ?? null,
      interfaceClasses: gadget.interfaces.map((i) => i.class),
      busPath: gadget.busPath,
      family: gadget.catalog?.family ?? null,
      mode: gadget.catalog?.mode ?? null,
    };
    timings.usbMs = elapsed();
    const ports = await SerialPort.list();
    const linking = linkSerialPorts([gadget], ports, realSysfs);
    const link = linking.links.get(gadget.busPath)?.[0];
    const port = link ? ports.find((p) => p.path === link.path) : undefined;
    if (!link || !port)
      result.errors.push(
        `link: ${gadget.busPath} has no serial port among ${ports.map((p) => p.path).join(', ') || 'no ports'}${linking.unlinked.length ? ` (${linking.unlinked.map((u) => `${u.path}: ${u.reason}`).join('; ')})` : ''}`,
      );
    else {
      linkedPath = link.path;
      result.serial = {
        path: port.path,
        vendorId: port.vendorId ?? null,
        productId: port.productId ?? null,
        serialNumber: port.serialNumber ?? null,
        linkedBy: link.by,
      };
    }
  }
} catch (err) {
  result.errors.push(`usb: ${(err as Error).message}`);
}
timings.listMs = elapsed();

// The agent starts in parallel (a second node under emulation): retry until it answers.
const deadline = Date.now() + 120_000;
for (let attempt = 1; ; attempt++) {
  try {
    if (linkedPath === null) break;
    const session = await openDeviceSession(
      { transport: 'serial', path: linkedPath, baudRate: 115200, via: 'manual' },
      { timeoutMs: 5000 },
    );
    const d = session.descriptor;
    result.hello = { id: d.id, vendor: d.vendor, model: d.model, serial: d.serial, attempts: attempt };
    await session.close();
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      result.errors.push(`hello over /dev/ttyACM0: ${(err as Error).message} (after ${attempt} attempts)`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
timings.helloMs = elapsed();

if (existsSync(agentJson)) {
  try {
    // `fieldline agent --json` prints { agents: [{ id, ... }] }.
    const printed = JSON.parse(readFileSync(agentJson, 'utf8')) as { agents?: { id?: unknown }[] };
    const id = printed.agents?.[0]?.id;
    result.agentId = typeof id === 'string' ? id : null;
  } catch (err) {
    result.errors.push(`agent json: ${(err as Error).message}`);
  }
}
result.timings = timings;
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
process.exit(0);
