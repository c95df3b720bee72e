/**
 * Pure views of the device registry for the Devices screen.
 *
 * No React and no DOM here: each function takes plain data and is unit-tested under Node.
 */
import type { Device, DevicePath, DiscoveryReport } from '../../core/api/schemas.js';

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
  }
}

function badgeOf(path: DevicePath): { key: string; label: string } {
  switch (path.transport) {
    case 'tcp':
      return path.tls ? { key: 'lan-tls', label: 'LAN·TLS' } : { key: 'lan', label: 'LAN' };
    case 'serial':
      return { key: 'serial', label: 'Serial' };
  }
}

/** One badge per kind of link, LAN before serial, however many paths share it. */
export function transportBadges(device: Pick<Device, 'paths'>): readonly TransportBadge[] {
  const byKey = new Map<string, { label: string; details: string[] }>();
  for (const path of device.paths) {
    const { key, label } = badgeOf(path);
    const entry = byKey.get(key) ?? { label, details: [] };
    entry.details.push(describePath(path));
    byKey.set(key, entry);
  }
  const order = ['lan-tls', 'lan', 'serial'];
  return [...byKey.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([key, { label, details }]) => ({ key, label, detail: details.join('; ') }));
}

function searchableText(device: Device): string {
  const paths = device.paths.map((p) => (p.transport === 'tcp' ? `${p.host}:${p.port} ${p.iface ?? ''}` : p.path));
  const badges = transportBadges(device).map((b) => b.label);
  return [device.name, device.vendor, device.model, device.serial, device.firmware, device.id, device.state, ...paths, ...badges]
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
  readonly online: number;
  readonly lost: number;
  readonly total: number;
}

export function countDevices(devices: Iterable<Device>): DeviceCounts {
  let online = 0;
  let lost = 0;
  for (const device of devices) {
    if (device.state === 'online') online++;
    else lost++;
  }
  return { online, lost, total: online + lost };
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
