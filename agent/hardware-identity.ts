/**
 * What a Linux gateway says about itself: board model, vendor, serial number, hostname.
 *
 * x86 boxes expose SMBIOS through /sys/class/dmi/id; ARM boards describe themselves in the
 * device tree. Either may be missing or root-only (product_serial usually is), so every read is
 * optional and the caller fills the gaps.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { DeviceSeed } from './state-schema.js';

export interface HardwareIdentity {
  readonly machineId?: string;
  readonly vendor?: string;
  readonly model?: string;
  readonly serial?: string;
  readonly hostname?: string;
  readonly osVersion?: string;
  readonly timezone?: string;
}

/** Files read, relative to `root` so tests can point at a fake tree. */
export const HARDWARE_FILES = {
  machineId: 'etc/machine-id',
  dmiProduct: 'sys/class/dmi/id/product_name',
  dmiSerial: 'sys/class/dmi/id/product_serial',
  dmiVendor: 'sys/class/dmi/id/sys_vendor',
  dtModel: 'proc/device-tree/model',
  dtSerial: 'proc/device-tree/serial-number',
  hostname: 'etc/hostname',
  osRelease: 'etc/os-release',
} as const;

/** SMBIOS placeholders vendors leave in unprogrammed fields. */
const PLACEHOLDERS =
  /^(|none|default string|to be filled by o\.e\.m\.|system serial number|system product name|not specified|not applicable|0+|1234567890|123456789)$/i;

async function readValue(root: string, relative: string): Promise<string | undefined> {
  try {
    // Device-tree strings end in NUL.
    const value = (await readFile(`${root}/${relative}`, 'utf8')).replace(/\0/g, '').trim();
    return PLACEHOLDERS.test(value) ? undefined : value;
  } catch {
    return undefined;
  }
}

function osReleaseVersion(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return fields.get('IMAGE_VERSION') ?? fields.get('BUILD_ID') ?? fields.get('VERSION_ID');
}

export async function readHardwareIdentity(root = ''): Promise<HardwareIdentity> {
  const [machineId, dmiProduct, dmiSerial, dmiVendor, dtModel, dtSerial, hostname, osRelease] = await Promise.all(
    Object.values(HARDWARE_FILES).map((file) => readValue(root, file)),
  );
  const osVersion = osReleaseVersion(osRelease);
  const identity: { -readonly [K in keyof HardwareIdentity]: HardwareIdentity[K] } = {};
  if (machineId) identity.machineId = machineId;
  const vendor = dmiVendor;
  if (vendor) identity.vendor = vendor;
  const model = dtModel ?? dmiProduct;
  if (model) identity.model = model;
  const serial = dtSerial ?? dmiSerial;
  if (serial) identity.serial = serial;
  const host = hostname ?? (root === '' ? os.hostname() : undefined);
  if (host) identity.hostname = host;
  if (osVersion) identity.osVersion = osVersion;
  if (root === '') identity.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return identity;
}

/** A hostname reduced to one valid DNS label. */
export function toHostLabel(name: string): string {
  const label = name
    .split('.')[0]!
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label || 'fieldline-gateway';
}

/** The first device.json of a real gateway, from what the system reports. */
export function seedFromHardware(hw: HardwareIdentity): DeviceSeed {
  const hostname = toHostLabel(hw.hostname ?? 'fieldline-gateway');
  // The machine id is unique per installation; it stands in for a serial the firmware hides.
  const serial = hw.serial ?? (hw.machineId ? `mid-${hw.machineId.slice(0, 16)}` : '');
  return {
    name: hostname,
    vendor: hw.vendor ?? '',
    model: hw.model ?? 'Linux gateway',
    hardwareRevision: '',
    serial,
    activeSlot: 'a',
    slots: [
      { name: 'a', version: hw.osVersion ?? '0.0.0', state: 'active' },
      { name: 'b', version: '', state: 'empty' },
    ],
    models: [],
    accelerators: [],
    capabilities: [],
    config: { hostname, site: '', timezone: hw.timezone ?? 'UTC', network: { interfaces: [] } },
  };
}
