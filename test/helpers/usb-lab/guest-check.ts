/**
 * Runs inside the lab guest, on the USB host side of the dummy_hcd bus: finds the gadget with
 * Fieldline's USB discovery (the native adapter over the `usb` package, and the catalog), links it
 * to its tty (core/discovery/usb/link.ts over serialport's list and sysfs), and completes FGP
 * `hello` over the linked tty with the reference agent on the gadget side; then `hello` over the
 * gadget's FunctionFS bulk interface through the USB bulk transport, twice (the interface is
 * released between sessions). Prints one line: RESULT_PREFIX + JSON.
 *
 * Usage (guest): node $TMPDIR/check/guest-check.js AGENT_JSON_FILE — run.ts transpiles it for the
 * guest, with core/ imports pointed at the dist/ build (no tsx under emulation).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { UsbPath } from '../../../core/api/schemas.js';
import { SerialPort } from 'serialport';
import { linkSerialPorts, realSysfs } from '../../../core/discovery/usb/link.js';
import { loadUsbCatalog } from '../../../core/discovery/usb/usb-catalog.js';
import { NativeUsbAdapter } from '../../../core/discovery/usb/usb-adapter.js';
import { UsbEnumerator } from '../../../core/discovery/usb/usb-enumerator.js';
import { openDeviceSession } from '../../../core/engine/device-session.js';
import type { UsbBulkStream } from '../../../core/transport/usb-bulk.js';
import { loadDemoTechnician } from '../../../agent/demo-technician.js';
import { authenticate } from '../../../core/protocol/client-session.js';
import type { FgpPeer } from '../../../core/protocol/peer.js';
import { LAB_BULK_SERIAL, LAB_PRODUCT_ID, LAB_SERIAL, LAB_VENDOR_ID } from './init-script.js';
import { RESULT_PREFIX, type LabResult } from './result.js';

const agentJson = process.argv[2] ?? `${process.env.TMPDIR ?? '/tmp'}/agent.json`;
const usbAgentJson = process.argv[3] ?? `${process.env.TMPDIR ?? '/tmp'}/agent-usb.json`;
const result: LabResult = { usb: null, serial: null, hello: null, agentId: null, bulk: null, usbAgentId: null, errors: [] };
const started = Date.now();
const elapsed = (): number => Date.now() - started;
const timings: Record<string, number> = {};

// Fieldline's own USB discovery: the native adapter over the `usb` package, the catalog, linking.
let linkedPath: string | null = null;
const adapter = new NativeUsbAdapter();
let bulkPath: UsbPath | null = null;
try {
  const { catalog } = loadUsbCatalog(`${process.env.TMPDIR ?? '/tmp'}/no-user-catalog`);
  const listed = await new UsbEnumerator(adapter, catalog).list();
  if (!listed.ok) throw new Error(listed.reason);
  const ours = listed.devices.filter((d) => d.vendorId === LAB_VENDOR_ID && d.productId === LAB_PRODUCT_ID);
  const gadget = ours.find((d) => d.serial === LAB_SERIAL);
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

// FGP over the FunctionFS bulk interface: UsbBulkStream on the real `usb` package and kernel.
// That gadget binds once its agent has started (under emulation, tens of seconds): list until it is there.
const bulkDeadline = Date.now() + 150_000;
let lastBulkError = '';
while (!bulkPath && Date.now() < bulkDeadline) {
  try {
    const { catalog } = loadUsbCatalog(`${process.env.TMPDIR ?? '/tmp'}/no-user-catalog`);
    const listed = await new UsbEnumerator(adapter, catalog).list();
    if (!listed.ok) throw new Error(listed.reason);
    const bulkGadget = listed.devices.find((d) => d.serial === LAB_BULK_SERIAL);
    if (bulkGadget?.fgp) {
      bulkPath = {
        transport: 'usb',
        busPath: bulkGadget.busPath,
        vendorId: bulkGadget.vendorId,
        productId: bulkGadget.productId,
        serial: bulkGadget.serial,
        fgp: bulkGadget.fgp,
        via: 'usb',
      };
      break;
    }
    lastBulkError = bulkGadget
      ? `the catalog resolved no FGP bulk interface on ${bulkGadget.busPath}${bulkGadget.error ? ` (${bulkGadget.error.message})` : ''}`
      : `no bulk gadget (serial ${LAB_BULK_SERIAL}) among ${listed.devices.length} devices`;
  } catch (err) {
    lastBulkError = (err as Error).message;
  }
  await new Promise((r) => setTimeout(r, 1000));
}
if (!bulkPath) result.errors.push(`usb bulk: ${lastBulkError}`);
timings.bulkListMs = elapsed();
/** Authenticates, asks `status`, and sends 1 MiB of artifact chunks: multi-packet transfers both ways. */
async function exercise(peer: FgpPeer, id: string): Promise<NonNullable<LabResult['bulk']>['transfer']> {
  await authenticate(peer, id, loadDemoTechnician().identity);
  const status = (await peer.request('status', {}, 60_000)) as Record<string, unknown> | null;
  const size = 1024 * 1024;
  const bytes = new Uint8Array(size).map((_, i) => (i * 131 + 7) & 0xff);
  const sha256 = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const started = Date.now();
  const begun = (await peer.request('artifact.begin', { sha256, size, name: 'lab.bin' }, 60_000)) as { maxChunk: number; window: number };
  for (let offset = 0; offset < size;) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < begun.window && offset < size; i++) {
      const data = bytes.subarray(offset, Math.min(size, offset + begun.maxChunk));
      batch.push(peer.request('artifact.chunk', { sha256, offset, data }, 60_000));
      offset += data.length;
    }
    await Promise.all(batch);
  }
  const held = (await peer.request('artifact.status', { sha256 }, 60_000)) as { held?: number };
  if (held.held !== size) throw new Error(`the gateway holds ${String(held.held)} of ${size} bytes`);
  return {
    statusOk: status !== null && typeof status === 'object',
    bytes: size,
    ms: Date.now() - started,
    stats: { ...(peer.stream as UsbBulkStream).stats },
  };
}

for (let attempt = 1; bulkPath; attempt++) {
  try {
    const session = await openDeviceSession(bulkPath, { usb: adapter, timeoutMs: 10_000 });
    const stats = { ...(session.peer.stream as UsbBulkStream).stats };
    await session.close();
    const again = await openDeviceSession(bulkPath, { usb: adapter, timeoutMs: 10_000 });
    let transfer: NonNullable<LabResult['bulk']>['transfer'] = null;
    try {
      transfer = await exercise(again.peer, again.descriptor.id);
    } catch (err) {
      result.errors.push(`bulk transfer after auth: ${(err as Error).message}`);
    }
    await again.close();
    result.bulk = { fgp: bulkPath.fgp!, id: session.descriptor.id, attempts: attempt, reopenedId: again.descriptor.id, stats, transfer };
    break;
  } catch (err) {
    if (Date.now() > bulkDeadline) {
      result.errors.push(`hello over USB bulk: ${(err as Error).message} (after ${attempt} attempts)`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
timings.bulkMs = elapsed();

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
if (existsSync(usbAgentJson)) {
  try {
    const printed = JSON.parse(readFileSync(usbAgentJson, 'utf8')) as { agents?: { id?: unknown }[] };
    const id = printed.agents?.[0]?.id;
    result.usbAgentId = typeof id === 'string' ? id : null;
  } catch (err) {
    result.errors.push(`usb agent json: ${(err as Error).message}`);
  }
}
result.timings = timings;
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
process.exit(0);
