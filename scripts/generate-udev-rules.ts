/**
 * Writes build/linux/60-fieldline.rules from the shipped USB catalog.
 * Run after editing resources/usb-catalog.json: `npx tsx scripts/generate-udev-rules.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedUsbCatalog } from '../core/discovery/usb/usb-catalog.js';
import { catalogUsbIds, UDEV_RULES_PATH, udevRules } from './udev-rules.js';

const root = join(import.meta.dirname, '..');
const entries = shippedUsbCatalog();
writeFileSync(join(root, UDEV_RULES_PATH), udevRules(entries));
console.log(`wrote ${UDEV_RULES_PATH}: ${catalogUsbIds(entries).length} USB ids from ${entries.length} catalog entries`);
