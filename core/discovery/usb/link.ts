/**
 * Linking: which serial port and which network interface belong to a USB device.
 *
 * The registry shows one gateway with its USB, serial and network paths, so each tty and each
 * network interface is traced back to the USB device it lives on. The surest link is the sysfs
 * device path (Linux), then the serial number, then a vendor/product id that only one device has.
 * Pure functions over recorded inputs: the sysfs tree is read through a small injectable reader.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { normaliseUsbId } from '../catalog.js';

/** What `SerialPort.list()` gives (structural, so recorded listings replay). */
export interface ListedSerialPort {
  readonly path: string;
  readonly vendorId?: string | undefined;
  readonly productId?: string | undefined;
  readonly serialNumber?: string | undefined;
  readonly pnpId?: string | undefined;
  readonly manufacturer?: string | undefined;
}

export interface LinkableUsbDevice {
  readonly busPath: string;
  readonly vendorId: string;
  readonly productId: string;
  readonly serial?: string | undefined;
}

/** The two reads linking needs from /sys. */
export interface SysfsReader {
  /** Names in a directory; [] when it does not exist. */
  list(dir: string): string[];
  /** The absolute path a symlink resolves to; null when it does not exist. */
  resolve(path: string): string | null;
}

export const realSysfs: SysfsReader = {
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  resolve(path) {
    try {
      return realpathSync(path);
    } catch {
      return null;
    }
  },
};

/** A sysfs tree recorded as its directory listings and resolved symlinks. */
export function recordedSysfs(tree: {
  readonly dirs: Readonly<Record<string, readonly string[]>>;
  readonly links: Readonly<Record<string, string>>;
}): SysfsReader {
  return { list: (dir) => [...(tree.dirs[dir] ?? [])], resolve: (path) => tree.links[path] ?? null };
}

const INTERFACE_DIR = /^(\d+-\d+(?:\.\d+)*):\d+\.(\d+)$/;
const DEVICE_DIR = /^\d+-\d+(?:\.\d+)*$/;

/** The USB port path and interface number a sysfs device path lives under, e.g. ".../1-2/1-2:1.0/ttyUSB0". */
export function usbLocationOf(sysfsPath: string): { busPath: string; interfaceNumber?: number } | null {
  const segments = sysfsPath.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i]!;
    const iface = INTERFACE_DIR.exec(seg);
    if (iface) return { busPath: iface[1]!, interfaceNumber: Number(iface[2]) };
    if (DEVICE_DIR.test(seg)) return { busPath: seg };
  }
  return null;
}

export type LinkMethod = 'bus-path' | 'serial-number' | 'only-match';

export interface SerialLink {
  readonly path: string;
  readonly by: LinkMethod;
  readonly interfaceNumber?: number | undefined;
}

export interface NetworkLink {
  readonly name: string;
  readonly interfaceNumber?: number | undefined;
}

export interface SerialLinking {
  readonly links: ReadonlyMap<string, readonly SerialLink[]>;
  /** USB serial ports that could not be tied to one device, with why. */
  readonly unlinked: readonly { readonly path: string; readonly reason: string }[];
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function linkSerialPorts(
  devices: readonly LinkableUsbDevice[],
  ports: readonly ListedSerialPort[],
  sysfs: SysfsReader | null,
): SerialLinking {
  const byBusPath = new Map(devices.map((d) => [d.busPath, d]));
  const links = new Map<string, SerialLink[]>();
  const unlinked: { path: string; reason: string }[] = [];
  for (const port of ports) {
    const located = sysfs ? usbLocationOf(sysfs.resolve(`/sys/class/tty/${basename(port.path)}/device`) ?? '') : null;
    if (located && byBusPath.has(located.busPath)) {
      push(links, located.busPath, { path: port.path, by: 'bus-path', interfaceNumber: located.interfaceNumber });
      continue;
    }
    const vendorId = normaliseUsbId(port.vendorId);
    const productId = normaliseUsbId(port.productId);
    if (!vendorId || !productId) continue; // not a USB port (built-in UART, Bluetooth RFCOMM)
    const sameId = devices.filter((d) => d.vendorId === vendorId && d.productId === productId);
    if (port.serialNumber) {
      const sameSerial = sameId.filter((d) => d.serial === port.serialNumber);
      if (sameSerial.length === 1) {
        push(links, sameSerial[0]!.busPath, { path: port.path, by: 'serial-number' });
        continue;
      }
    }
    if (sameId.length === 1) {
      push(links, sameId[0]!.busPath, { path: port.path, by: 'only-match' });
      continue;
    }
    unlinked.push({
      path: port.path,
      reason: sameId.length
        ? `${sameId.length} USB devices are ${vendorId}:${productId} and none has serial number "${port.serialNumber ?? ''}": cannot tell which one ${port.path} belongs to`
        : `no listed USB device is ${vendorId}:${productId}`,
    });
  }
  return { links, unlinked };
}

/** USB network interfaces (usb0, enx…) by the bus path of the device they live on. */
export function linkNetworkInterfaces(
  devices: readonly LinkableUsbDevice[],
  sysfs: SysfsReader,
): ReadonlyMap<string, readonly NetworkLink[]> {
  const known = new Set(devices.map((d) => d.busPath));
  const links = new Map<string, NetworkLink[]>();
  for (const name of sysfs.list('/sys/class/net').sort()) {
    const target = sysfs.resolve(`/sys/class/net/${name}/device`);
    const located = target ? usbLocationOf(target) : null;
    if (located && known.has(located.busPath)) push(links, located.busPath, { name, interfaceNumber: located.interfaceNumber });
  }
  return links;
}
