/**
 * `fieldline usb list [--json]`: what is on the USB bus, what the catalog says it is, what to do.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
import { ReplayUsbAdapter, usbRecording, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';
import { USB_REPLAY_ENV } from '../../core/discovery/usb/usb-sources.js';
import type { UsbErrorCode } from '../../core/discovery/usb/usb-errors.js';
import { CliError, printJson, table } from '../output.js';

export const usbUsage = `fieldline usb list [--json]
  Lists USB devices with the gateway family and mode the USB catalog gives them (running, USB
  device mode, recovery, UART bridge), the serial ports and network interfaces each is reachable
  as, what to do next, and why a device cannot be opened.
fieldline usb record <file.json> [--note TEXT]
  Writes what is on the USB bus now (descriptors, open errors, the serial port listing and the
  sysfs links that tie them together) to a recording. Support replays it with
  FIELDLINE_USB_REPLAY=<file.json> fieldline serve; edits to the file plug and unplug devices live.`;

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

/** The real bus, or the recording FIELDLINE_USB_REPLAY names (as the engine does). */
function liveSources(): UsbListSources {
  const replay = process.env[USB_REPLAY_ENV];
  if (replay) {
    const adapter = ReplayUsbAdapter.fromFiles([resolve(replay)]);
    return { adapter, listPorts: async () => adapter.serialPorts(), sysfs: adapter.sysfs() };
  }
  return nativeSources();
}

const nativeSources = (): UsbListSources => ({
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

/** A raw error that maps back to the same reason when the recording is replayed. */
const RAW_ERRORS: Record<Exclude<UsbErrorCode, 'other'>, string> = {
  access: 'Permission denied (os error 13)',
  busy: 'Device or resource busy (os error 16)',
  stall: 'Broken pipe (os error 32)',
  gone: 'No such device (os error 19)',
};

/** The sysfs reads linking makes, for the ttys and network interfaces present now. */
function recordSysfs(sysfs: SysfsReader): NonNullable<UsbRecording['sysfs']> {
  const dirs: Record<string, string[]> = {};
  const links: Record<string, string> = {};
  for (const cls of ['tty', 'net']) {
    const dir = `/sys/class/${cls}`;
    // Only ttys that are real devices: /sys/class/tty lists every virtual console too.
    const names = sysfs.list(dir).filter((name) => sysfs.resolve(`${dir}/${name}/device`) !== null);
    dirs[dir] = names;
    for (const name of names) links[`${dir}/${name}/device`] = sysfs.resolve(`${dir}/${name}/device`)!;
  }
  return { dirs, links };
}

/** What is on the bus now, in the replay format (see core/discovery/usb/replay-adapter.ts). */
export async function recordUsb(sources: UsbListSources, note?: string): Promise<UsbRecording> {
  const { catalog } = loadUsbCatalog(defaultDataDir());
  const listed = await sources.adapter.list();
  const enumerated = await new UsbEnumerator(sources.adapter, catalog).list();
  let ports: ListedSerialPort[] = [];
  try {
    ports = await sources.listPorts();
  } catch {
    // Recorded without a serial listing: the replay then has no serial links.
  }
  const access: UsbRecording['access'] = {};
  if (enumerated.ok)
    for (const d of enumerated.devices)
      if (d.error) access[d.busPath] = { message: d.error.code === 'other' ? d.error.message : RAW_ERRORS[d.error.code] };
  const recording = {
    source: `fieldline usb record on ${process.platform} at ${new Date().toISOString()}${note ? `: ${note}` : ''}. Open errors are stored as the OS error that means the same.`,
    devices: listed.ok ? listed.devices : [],
    access,
    events: [],
    // Replay puts the "no USB access" sentence around it again.
    listError: listed.ok ? undefined : listed.reason.replace(/^no USB access on this machine: /, ''),
    sysfs: process.platform === 'linux' ? recordSysfs(sources.sysfs) : undefined,
    serialPorts: ports.map((p) => {
      const out: ListedSerialPort & { path: string } = { path: p.path };
      for (const key of ['vendorId', 'productId', 'serialNumber', 'pnpId', 'manufacturer'] as const)
        if (p[key]) Object.assign(out, { [key]: p[key] });
      return out;
    }),
  };
  // Through JSON (as it will be written) and the replay parser: what is written must replay.
  return usbRecording.parse(JSON.parse(JSON.stringify(recording)));
}

async function runRecord(rest: string[], sources: UsbListSources): Promise<number> {
  const { values, positionals } = parseArgs({ args: rest, options: { note: { type: 'string' } }, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new CliError(`usb record takes one file name\n${usbUsage}`);
  const file = resolve(positionals[0]!);
  const recording = await recordUsb(sources, values.note);
  // Written whole and renamed over: a watching `fieldline serve` never reads half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(recording, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  const linked = recording.serialPorts?.length ?? 0;
  process.stdout.write(
    recording.listError
      ? `Recorded no USB devices (${recording.listError}) to ${file}.\n`
      : `Recorded ${recording.devices.length} USB device${recording.devices.length === 1 ? '' : 's'} and ${linked} serial port${linked === 1 ? '' : 's'} to ${file}.\nReplay it with: FIELDLINE_USB_REPLAY=${file} fieldline serve\n`,
  );
  return 0;
}

export async function runUsb(argv: string[], sources: UsbListSources = liveSources()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'record') return runRecord(rest, sources);
  if (sub !== 'list') throw new CliError(`usb: unknown subcommand "${sub ?? ''}"\n${usbUsage}`);
  const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true });
  if (positionals.length) throw new CliError(`usb list takes no arguments, got "${positionals.join(' ')}"\n${usbUsage}`);
  const survey = await surveyUsb(sources);
  if (values.json) printJson(survey);
  else process.stdout.write(`${formatUsbSurvey(survey)}\n`);
  return 0;
}
