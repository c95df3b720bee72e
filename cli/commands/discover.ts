/**
 * `fieldline discover`: look for gateways for a while, then list what answered.
 */
import { parseArgs } from 'node:util';
import type { Device, DevicePath, DiscoveryReport } from '../../core/api/schemas.js';
import { DeviceRegistry, Discovery } from '../../core/discovery/index.js';
import type { UsbLaneSources } from '../../core/discovery/usb/usb-lane.js';
import { usbLaneSources } from '../../core/discovery/usb/usb-sources.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, parsePositive, printJson, relativeAge, splitList, table } from '../output.js';
import { formatUsbSurvey, surveyUsb } from './usb.js';

export const discoverUsage = `fieldline discover [--timeout S] [--json] [--interfaces eth0,lo] [--serial /dev/ttyUSB0,...] [--udp-port N] [--usb]
  Finds gateways over the LAN (mDNS and UDP broadcast, on every usable interface unless narrowed)
  and over serial ports that match the device catalog or are named. Default timeout 3 s.
  --usb also finds gateways plugged in by USB cable (merged with their serial paths) and lists
  USB devices that cannot answer (recovery mode, UART bridges) with their mode and next step, then
  adds what is on the bus (as \`fieldline usb list\`); with --json the output becomes {devices, usb}.
  FIELDLINE_USB_REPLAY=<file.json> replays a recorded bus (\`fieldline usb record\`).`;

export interface DiscoverFlags {
  readonly timeoutMs: number;
  readonly interfaces?: string[] | undefined;
  readonly serialPorts?: string[] | undefined;
  readonly udpPort?: number | undefined;
  /** Run the USB lane over this bus. */
  readonly usb?: UsbLaneSources | undefined;
}

export function parseDiscoveryFlags(
  values: { timeout?: string | undefined; interfaces?: string | undefined; serial?: string | undefined; 'udp-port'?: string | undefined },
  defaultTimeoutS: number,
): DiscoverFlags {
  return {
    timeoutMs: parsePositive('timeout', values.timeout, defaultTimeoutS) * 1000,
    interfaces: splitList(values.interfaces),
    serialPorts: splitList(values.serial),
    udpPort: values['udp-port'] === undefined ? undefined : parsePositive('udp-port', values['udp-port'], 0),
  };
}

export const discoveryOptionSpec = {
  timeout: { type: 'string' },
  interfaces: { type: 'string' },
  serial: { type: 'string' },
  'udp-port': { type: 'string' },
} as const;

/** Runs discovery for the given time; the caller gets the devices and the final report. */
export async function discoverFor(
  flags: DiscoverFlags,
  stopWhen?: (devices: readonly Device[]) => boolean,
): Promise<{ devices: Device[]; report: DiscoveryReport }> {
  const registry = new DeviceRegistry();
  const discovery = new Discovery(registry, {
    interfaces: flags.interfaces,
    serialPorts: flags.serialPorts,
    udpPort: flags.udpPort,
    usb: flags.usb,
  });
  await discovery.start();
  const deadline = Date.now() + flags.timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (stopWhen?.(registry.list())) break;
  }
  // USB probes started before the deadline are let finish: a half-asked port says nothing.
  await discovery.usb?.settled();
  await discovery.stop();
  return { devices: registry.list(), report: discovery.report() };
}

export function describeTransport(path: DevicePath): string {
  switch (path.transport) {
    case 'tcp':
      return `lan:${path.host}:${path.port}${path.tls ? ' (tls)' : ''}`;
    case 'serial':
      return `serial:${path.path}@${path.baudRate}`;
    case 'usb':
      return `usb:${path.busPath} (${path.vendorId}:${path.productId})`;
  }
}

export function transportsOf(device: Device): string {
  const kinds = new Set(device.paths.map((p) => (p.transport === 'tcp' ? 'LAN' : p.transport === 'serial' ? 'Serial' : 'USB')));
  return [...kinds].join('+');
}

function gatewayCount(devices: readonly Device[]): string {
  const answering = devices.filter((d) => !(d.usb && !d.descriptor)).length;
  const usbOnly = devices.length - answering;
  const base = `${answering} gateway${answering === 1 ? '' : 's'} found`;
  return usbOnly ? `${base}, ${usbOnly} USB device${usbOnly === 1 ? '' : 's'} that did not answer (see USB below)` : base;
}

export function explainNothingFound(report: DiscoveryReport): string {
  const lines = ['No gateway answered.'];
  for (const i of report.interfaces)
    lines.push(
      `  interface ${i.name} (${i.address}, ${i.kind})${i.used ? '' : ' not used'}: ${i.mdnsAnswers} mDNS / ${i.udpAnswers} UDP answers${i.error ? ` — ${i.error}` : ''}`,
    );
  for (const p of report.serialPorts) lines.push(`  serial ${p.path} (${p.reason}): ${p.result}${p.detail ? ` — ${p.detail}` : ''}`);
  for (const h of report.hints) lines.push(`  • ${h.message}\n    what to do: ${h.fix}`);
  return lines.join('\n');
}

export async function runDiscover(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...discoveryOptionSpec, json: { type: 'boolean' }, usb: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new CliError(`discover takes no arguments, got "${positionals.join(' ')}"\n${discoverUsage}`);
  const flags = parseDiscoveryFlags(values, 3);
  const lane = values.usb ? usbLaneSources(defaultDataDir(), process.env) : undefined;
  const [{ devices, report }, usb] = await Promise.all([discoverFor({ ...flags, usb: lane }), values.usb ? surveyUsb() : null]);
  if (values.json) {
    const listed = devices.map((d) => ({
      id: d.id,
      name: d.name,
      vendor: d.vendor,
      model: d.model,
      serial: d.serial,
      firmware: d.firmware,
      state: d.state,
      lastSeen: new Date(d.lastSeen).toISOString(),
      paths: d.paths,
      ...(d.usb ? { usb: d.usb } : {}),
    }));
    // Without --usb the output stays the plain array scripts already read.
    printJson(usb ? { devices: listed, usb } : listed);
    return 0;
  }
  const usbSection = usb ? `\nUSB\n${formatUsbSurvey(usb)}\n` : '';
  if (!devices.length) {
    process.stdout.write(`${explainNothingFound(report)}\n${usbSection}`);
    return 0;
  }
  const now = Date.now();
  const rows = devices.map((d) => [
    d.name,
    d.model,
    // A USB device no gateway answered on has no firmware to show: its mode says more.
    d.usb && !d.descriptor ? `(${d.usb.mode})` : d.firmware,
    transportsOf(d),
    [...new Set(d.paths.map(describeTransport))].join(', '),
    relativeAge(now - d.lastSeen),
    d.id.slice(0, 12),
  ]);
  process.stdout.write(
    `${table(['NAME', 'MODEL', 'FIRMWARE', 'VIA', 'PATHS', 'SEEN', 'ID'], rows)}\n${gatewayCount(devices)}.\n${usbSection}`,
  );
  return 0;
}
