/**
 * `fieldline usb list [--json]`: what is on the USB bus, what the catalog says it is, what to do.
 */
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../../core/store/paths.js';
import { loadUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { NativeUsbAdapter } from '../../core/discovery/usb/usb-adapter.js';
import type { UsbAdapter } from '../../core/discovery/usb/adapter.js';
import {
  linkNetworkInterfaces,
  linkSerialPorts,
  realSysfs,
  type ListedSerialPort,
  type NetworkLink,
  type SerialLink,
  type SerialLinking,
  type SysfsReader,
} from '../../core/discovery/usb/link.js';
import { UsbEnumerator, type UsbDeviceRecord } from '../../core/discovery/usb/usb-enumerator.js';
import { CliError, printJson, table } from '../output.js';

export const usbUsage = `fieldline usb list [--json]
  Lists USB devices with the gateway family and mode the USB catalog gives them (running, USB
  device mode, recovery, UART bridge), the serial ports and network interfaces each is reachable
  as, what to do next, and why a device cannot be opened.`;

function describeDevice(d: UsbDeviceRecord): string[] {
  const name = d.catalog?.family ?? [d.manufacturer, d.product].filter(Boolean).join(' ');
  return [d.busPath, `${d.vendorId}:${d.productId}`, name || 'unknown device', d.catalog?.mode ?? 'unknown', d.serial ?? ''];
}

/** Where `usb list` reads the bus, the serial ports and sysfs (tests replay recordings). */
export interface UsbListSources {
  readonly adapter: UsbAdapter;
  readonly listPorts: () => Promise<ListedSerialPort[]>;
  readonly sysfs: SysfsReader;
}

const liveSources = (): UsbListSources => ({
  adapter: new NativeUsbAdapter(),
  listPorts: async () => {
    // serialport loads a native binding: only when asked, and a failure only loses the links.
    const { SerialPort } = await import('serialport');
    return SerialPort.list();
  },
  sysfs: realSysfs,
});

/** Each device's serial ports and network interfaces, by bus path; ports that could not be tied, with why. */
async function linksOf(
  devices: readonly UsbDeviceRecord[],
  sources: UsbListSources,
): Promise<{
  serial: SerialLinking['links'];
  network: ReadonlyMap<string, readonly NetworkLink[]>;
  unlinked: SerialLinking['unlinked'];
}> {
  let ports: ListedSerialPort[] = [];
  try {
    ports = await sources.listPorts();
  } catch {
    // No serial port listing here: the devices are still worth showing.
  }
  const serial = linkSerialPorts(devices, ports, sources.sysfs);
  return { serial: serial.links, network: linkNetworkInterfaces(devices, sources.sysfs), unlinked: serial.unlinked };
}

/** A USB device with the catalog's word on it and the paths it can be reached by. */
export type SurveyedUsbDevice = UsbDeviceRecord & {
  readonly serialPorts: readonly SerialLink[];
  readonly networkInterfaces: readonly NetworkLink[];
};

export type UsbSurvey =
  | { readonly ok: true; readonly devices: readonly SurveyedUsbDevice[]; readonly unlinkedSerialPorts: SerialLinking['unlinked'] }
  | { readonly ok: false; readonly reason: string; readonly devices: readonly [] };

/** What is on the USB bus, what the catalog says it is, and how each device can be reached. */
export async function surveyUsb(sources: UsbListSources = liveSources()): Promise<UsbSurvey> {
  const { catalog, problems } = loadUsbCatalog(defaultDataDir());
  for (const p of problems) process.stderr.write(`fieldline: usb catalog: ${p} (entry skipped)\n`);
  const result = await new UsbEnumerator(sources.adapter, catalog).list();
  if (!result.ok) return { ok: false, reason: result.reason, devices: [] };
  const links = await linksOf(result.devices, sources);
  return {
    ok: true,
    devices: result.devices.map((d) => ({
      ...d,
      serialPorts: links.serial.get(d.busPath) ?? [],
      networkInterfaces: links.network.get(d.busPath) ?? [],
    })),
    unlinkedSerialPorts: links.unlinked,
  };
}

/** The survey for people: a table, then per device how to reach it, what it means, what to do. */
export function formatUsbSurvey(survey: UsbSurvey): string {
  // No USB access is not an error: a laptop without it can still do everything else.
  if (!survey.ok) return survey.reason;
  if (!survey.devices.length) return 'No USB devices found. Plug the gateway in (data cable, device/OTG port) and run this again.';
  const lines = [table(['PORT', 'ID', 'DEVICE', 'MODE', 'SERIAL'], survey.devices.map(describeDevice))];
  for (const d of survey.devices) {
    const reach = [...d.serialPorts.map((l) => `serial ${l.path}`), ...d.networkInterfaces.map((l) => `network ${l.name}`)];
    if (reach.length) lines.push(`  ${d.busPath}: reachable as ${reach.join(', ')}`);
    if (d.catalog && d.catalog.mode !== 'uart-bridge') lines.push(`  ${d.busPath}: ${d.catalog.meaning}\n    next: ${d.catalog.nextStep}`);
    if (d.error) lines.push(`  ${d.busPath}: ${d.error.message}\n    what to do: ${d.error.fix}`);
  }
  for (const u of survey.unlinkedSerialPorts) lines.push(`  ${u.path}: not tied to a device: ${u.reason}`);
  return lines.join('\n');
}

export async function runUsb(argv: string[], sources: UsbListSources = liveSources()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list') throw new CliError(`usb: unknown subcommand "${sub ?? ''}"\n${usbUsage}`);
  const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true });
  if (positionals.length) throw new CliError(`usb list takes no arguments, got "${positionals.join(' ')}"\n${usbUsage}`);
  const survey = await surveyUsb(sources);
  if (values.json) printJson(survey);
  else process.stdout.write(`${formatUsbSurvey(survey)}\n`);
  return 0;
}
