/**
 * Pure views of the device registry for the Devices screen.
 *
 * No React and no DOM here: each function takes plain data and is unit-tested under Node.
 */
import type { Device, DevicePath, DiscoveryReport, DeviceUsb } from '../../core/api/schemas.js';

export interface TransportBadge {
  /** Stable across renders and unique per device: one badge per kind of link. */
  readonly key: string;
  readonly label: string;
  /** Every concrete path behind this badge, for the accessible description. */
  readonly detail: string;
}

export function describePath(path: DevicePath): string {
  switch (path.transport) {
    case 'tcp': {
      const host = path.host.includes(':') ? `[${path.host}]` : path.host;
      const via = path.via === 'mdns' ? 'mDNS' : path.via === 'udp' ? 'UDP probe' : 'added by hand';
      const iface = path.iface === undefined ? '' : ` on ${path.iface}`;
      return `${host}:${path.port}${path.tls ? ' (TLS)' : ''}, ${via}${iface}`;
    }
    case 'serial':
      return `${path.path} at ${path.baudRate} baud, ${path.via === 'probe' ? 'found by probing' : 'added by hand'}`;
    case 'usb':
      return `USB port ${path.busPath} (${path.vendorId}:${path.productId})${path.fgp ? `, FGP on interface ${path.fgp.interfaceNumber}` : ''}`;
  }
}

function badgeOf(path: DevicePath): { key: string; label: string } {
  switch (path.transport) {
    case 'tcp':
      return path.tls ? { key: 'lan-tls', label: 'LAN·TLS' } : { key: 'lan', label: 'LAN' };
    case 'serial':
      return { key: 'serial', label: 'Serial' };
    case 'usb':
      return { key: 'usb', label: 'USB' };
  }
}

/** One badge per kind of link, LAN before USB before serial, however many paths share it. */
export function transportBadges(device: Pick<Device, 'paths'>): readonly TransportBadge[] {
  const byKey = new Map<string, { label: string; details: string[] }>();
  for (const path of device.paths) {
    const { key, label } = badgeOf(path);
    const entry = byKey.get(key) ?? { label, details: [] };
    entry.details.push(describePath(path));
    byKey.set(key, entry);
  }
  const order = ['lan-tls', 'lan', 'usb', 'serial'];
  return [...byKey.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([key, { label, details }]) => ({ key, label, detail: details.join('; ') }));
}

export interface UsbModeBadge {
  readonly label: string;
  /** Tone for the badge: ok (talks FGP), info (reachable another way), warn (needs the technician). */
  readonly tone: 'ok' | 'info' | 'warn';
}

/** The USB mode as the technician reads it on the row. */
export function usbModeBadge(usb: Pick<DeviceUsb, 'mode'>): UsbModeBadge {
  switch (usb.mode) {
    case 'running':
      return { label: 'Running', tone: 'ok' };
    case 'usb-device-mode':
      return { label: 'USB device mode', tone: 'info' };
    case 'recovery':
      return { label: 'Recovery', tone: 'warn' };
    case 'uart-bridge':
      return { label: 'UART bridge', tone: 'info' };
  }
}

/** True for a USB device that no gateway answered on: it has no FGP identity, only a stand-in id. */
export function isUsbOnly(device: Pick<Device, 'usb' | 'descriptor' | 'paths'>): boolean {
  return device.usb !== undefined && device.descriptor === undefined && device.paths.every((p) => p.transport === 'usb');
}

/** "USB 1-4 · 0955:7523": where the cable is, as the row's subtitle says it. */
export function usbLocation(usb: Pick<DeviceUsb, 'busPath' | 'vendorId' | 'productId'>): string {
  return `USB ${usb.busPath} · ${usb.vendorId}:${usb.productId}`;
}

export interface UsbNotice {
  readonly tone: 'warn' | 'info';
  readonly title: string;
  readonly body: string;
  readonly fix?: string | undefined;
}

/**
 * What the technician must know about a USB device, most pressing first: it is unplugged, it
 * cannot be opened (with the udev fix), it is in recovery (with the next step), nothing answered.
 */
export function usbNotices(usb: DeviceUsb, usbOnly: boolean): readonly UsbNotice[] {
  const out: UsbNotice[] = [];
  if (!usb.attached) out.push({ tone: 'warn', title: 'Unplugged', body: `The USB cable was pulled from port ${usb.busPath}.` });
  if (usb.error) out.push({ tone: 'warn', title: usb.error.message, body: 'Fieldline cannot open this USB device.', fix: usb.error.fix });
  if (usb.mode === 'recovery' || usb.mode === 'usb-device-mode' || usbOnly)
    out.push({ tone: usb.mode === 'recovery' ? 'warn' : 'info', title: usb.meaning, body: `Next step: ${usb.nextStep}` });
  // The lane sets `probe` only while no gateway answers on the device (a stand-in, or a gateway gone silent).
  if (usb.probe && usb.probe.result !== 'not-probed')
    out.push({ tone: usb.probe.result === 'pending' ? 'info' : 'warn', title: usb.probe.detail, body: '', fix: usb.probe.fix });
  return out;
}

function searchableText(device: Device): string {
  const paths = device.paths.map((p) =>
    p.transport === 'tcp'
      ? `${p.host}:${p.port} ${p.iface ?? ''}`
      : p.transport === 'serial'
        ? p.path
        : `${p.busPath} ${p.vendorId}:${p.productId}`,
  );
  const usb = device.usb ? [device.usb.family, usbModeBadge(device.usb).label] : [];
  const badges = transportBadges(device).map((b) => b.label);
  return [device.name, device.vendor, device.model, device.serial, device.firmware, device.id, device.state, ...paths, ...badges, ...usb]
    .join('\n')
    .toLowerCase();
}

/** Every whitespace-separated word of the query must appear somewhere in the device. */
export function matchesQuery(device: Device, query: string): boolean {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return true;
  const text = searchableText(device);
  return words.every((word) => text.includes(word));
}

/** Online first, then by name, then by id so the order never flickers between equal names. */
export function compareDevices(a: Device, b: Device): number {
  if (a.state !== b.state) return a.state === 'online' ? -1 : 1;
  const byName = a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
  return byName !== 0 ? byName : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function visibleDevices(devices: Iterable<Device>, query: string): readonly Device[] {
  const list: Device[] = [];
  for (const device of devices) if (matchesQuery(device, query)) list.push(device);
  return list.sort(compareDevices);
}

export interface DeviceCounts {
  /** Gateways: a USB device no gateway answered on is not one, it is counted in `usbOnly`. */
  readonly online: number;
  readonly lost: number;
  /** USB devices plugged in that cannot answer (recovery, bridges with nothing behind them). */
  readonly usbOnly: number;
  readonly total: number;
}

export function countDevices(devices: Iterable<Device>): DeviceCounts {
  let online = 0;
  let lost = 0;
  let usbOnly = 0;
  for (const device of devices) {
    if (isUsbOnly(device)) usbOnly++;
    else if (device.state === 'online') online++;
    else lost++;
  }
  return { online, lost, usbOnly, total: online + lost + usbOnly };
}

/** The id as people read it aloud: the first 12 hex digits, grouped in fours. */
export function shortId(id: string): string {
  return (id.slice(0, 12).match(/.{1,4}/g) ?? []).join(' ');
}

export interface ReportSummary {
  readonly interfacesUsed: number;
  readonly interfacesAnswering: number;
  readonly serialPortsTried: number;
  readonly serialPortsAnswering: number;
  readonly sentence: string;
}

/** One line saying what discovery tried, for the empty state's heading. */
export function summariseReport(report: DiscoveryReport): ReportSummary {
  const used = report.interfaces.filter((i) => i.used);
  const answering = used.filter((i) => i.mdnsAnswers + i.udpAnswers > 0).length;
  const portsAnswering = report.serialPorts.filter((p) => p.result === 'found').length;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const parts = [
    `${plural(used.length, 'network interface', 'network interfaces')} searched (${answering} answered)`,
    `${plural(report.serialPorts.length, 'serial port', 'serial ports')} probed (${portsAnswering} answered)`,
  ];
  const state = report.running ? 'Discovery is running' : 'Discovery is stopped';
  return {
    interfacesUsed: used.length,
    interfacesAnswering: answering,
    serialPortsTried: report.serialPorts.length,
    serialPortsAnswering: portsAnswering,
    sentence: `${state}: ${parts.join(', ')}.`,
  };
}

/** The USB lane in one sentence: how many devices, or why the bus cannot be read. */
export function usbReportSentence(usb: NonNullable<DiscoveryReport['usb']>): string {
  const source = usb.replay === undefined ? '' : ` (replaying the recording ${usb.replay})`;
  if (usb.error !== undefined) return `${usb.error}${source}`;
  const n = usb.devices;
  if (n === 0) return `No gateway, boot ROM or console cable from the USB catalog is plugged in${source}.`;
  return `${n} USB device${n === 1 ? '' : 's'} from the USB catalog plugged in${source}; each is listed above with its mode.`;
}
