/**
 * `fieldline usb list [--json]`: what is on the USB bus, what the catalog says it is, what to do.
 */
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../../core/store/paths.js';
import { loadUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { NativeUsbAdapter } from '../../core/discovery/usb/usb-adapter.js';
import type { UsbAdapter } from '../../core/discovery/usb/adapter.js';
import { UsbEnumerator, type UsbDeviceRecord } from '../../core/discovery/usb/usb-enumerator.js';
import { CliError, printJson, table } from '../output.js';

export const usbUsage = `fieldline usb list [--json]
  Lists USB devices with the gateway family and mode the USB catalog gives them (running, USB
  device mode, recovery, UART bridge), what to do next, and why a device cannot be opened.`;

function describeDevice(d: UsbDeviceRecord): string[] {
  const name = d.catalog?.family ?? [d.manufacturer, d.product].filter(Boolean).join(' ');
  return [d.busPath, `${d.vendorId}:${d.productId}`, name || 'unknown device', d.catalog?.mode ?? 'unknown', d.serial ?? ''];
}

export async function runUsb(argv: string[], adapter: UsbAdapter = new NativeUsbAdapter()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') throw new CliError(`usb: unknown subcommand "${sub ?? ''}"\n${usbUsage}`);
  const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true });
  if (positionals.length) throw new CliError(`usb list takes no arguments, got "${positionals.join(' ')}"\n${usbUsage}`);
  const { catalog, problems } = loadUsbCatalog(defaultDataDir());
  for (const p of problems) process.stderr.write(`fieldline: usb catalog: ${p} (entry skipped)\n`);
  const result = await new UsbEnumerator(adapter, catalog).list();
  if (values.json) {
    printJson(result.ok ? { ok: true, devices: result.devices } : { ok: false, reason: result.reason, devices: [] });
    return 0;
  }
  if (!result.ok) {
    // Not an error for the command: a laptop without USB access can still do everything else.
    process.stdout.write(`${result.reason}\n`);
    return 0;
  }
  if (!result.devices.length) {
    process.stdout.write('No USB devices found. Plug the gateway in (data cable, device/OTG port) and run this again.\n');
    return 0;
  }
  const lines = [table(['PORT', 'ID', 'DEVICE', 'MODE', 'SERIAL'], result.devices.map(describeDevice))];
  for (const d of result.devices) {
    if (d.catalog && d.catalog.mode !== 'uart-bridge') lines.push(`  ${d.busPath}: ${d.catalog.meaning}\n    next: ${d.catalog.nextStep}`);
    if (d.error) lines.push(`  ${d.busPath}: ${d.error.message}\n    what to do: ${d.error.fix}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
