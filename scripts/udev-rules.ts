/**
 * udev rules for the gateway USB ids in resources/usb-catalog.json, so a technician's Linux
 * laptop lets the logged-in user (and the plugdev/dialout groups) open the devices Fieldline
 * talks to, without root.
 *
 * Pure: catalog entries in, rules text out. scripts/generate-udev-rules.ts writes the result to
 * build/linux/60-fieldline.rules, which the .deb installs; test/unit/packaging-udev.test.ts
 * checks the committed file is exactly what the catalog generates.
 */
import type { UsbCatalogEntry } from '../core/discovery/usb/usb-catalog.js';

export const UDEV_RULES_PATH = 'build/linux/60-fieldline.rules';

interface UsbId {
  readonly vendorId: string;
  readonly productId: string;
  readonly names: string[];
}

const HEX4 = /^[0-9a-f]{4}$/;

/** Every distinct vendor:product pair, sorted, with the catalog entries that name it. */
export function catalogUsbIds(entries: readonly Pick<UsbCatalogEntry, 'id' | 'vendorId' | 'productIds'>[]): UsbId[] {
  const ids = new Map<string, UsbId>();
  for (const entry of entries) {
    for (const productId of entry.productIds) {
      const vendorId = entry.vendorId.toLowerCase();
      const product = productId.toLowerCase();
      // The catalog parser already insists on this; a rule file is no place to find out otherwise.
      if (!HEX4.test(vendorId) || !HEX4.test(product))
        throw new Error(`${entry.id}: "${entry.vendorId}:${productId}" is not a 4-hex-digit USB id`);
      const key = `${vendorId}:${product}`;
      const known = ids.get(key) ?? { vendorId, productId: product, names: [] };
      known.names.push(entry.id);
      ids.set(key, known);
    }
  }
  return [...ids.values()].sort((a, b) => `${a.vendorId}:${a.productId}`.localeCompare(`${b.vendorId}:${b.productId}`));
}

/** The rules file for `entries`. */
export function udevRules(entries: readonly Pick<UsbCatalogEntry, 'id' | 'vendorId' | 'productIds'>[]): string {
  const lines = [
    '# Fieldline: access to edge-AI gateways over USB and USB serial for the logged-in user.',
    '# GENERATED from resources/usb-catalog.json by scripts/generate-udev-rules.ts; do not edit.',
    '#',
    '# TAG+="uaccess" gives the user at the seat access (systemd-logind); the groups cover',
    '# sessions without a seat (ssh, some desktops): plugdev for raw USB (libusb), dialout for',
    '# serial ports. Numbered below 73 so that uaccess is applied by 73-seat-late.rules.',
    '',
  ];
  for (const id of catalogUsbIds(entries)) {
    const match = `ATTRS{idVendor}=="${id.vendorId}", ATTRS{idProduct}=="${id.productId}"`;
    lines.push(`# ${id.vendorId}:${id.productId} ${id.names.join(', ')}`);
    lines.push(`SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ${match}, TAG+="uaccess", MODE="0660", GROUP="plugdev"`);
    lines.push(`SUBSYSTEM=="tty", ${match}, TAG+="uaccess", MODE="0660", GROUP="dialout"`);
  }
  return `${lines.join('\n')}\n`;
}
