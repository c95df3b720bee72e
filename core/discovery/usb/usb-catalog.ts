/**
 * The USB catalog (resources/usb-catalog.json): which gateway family and mode a USB id means.
 *
 * A technician can add entries in `<data dir>/usb-catalog.json`; a user entry replaces the
 * shipped entry with the same id. A broken user entry is skipped with a reason that names the
 * file, the entry and the field, so one typo never hides the shipped catalog.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import shippedJson from '../../../resources/usb-catalog.json' with { type: 'json' };

export const USB_CATALOG_FILE = 'usb-catalog.json';
const SHIPPED_NAME = `resources/${USB_CATALOG_FILE}`;

const usbId = z.string().regex(/^[0-9a-f]{4}$/, 'a USB id is 4 lowercase hex digits, e.g. "0955"');
const byte = z.number().int().min(0).max(255);

export const usbMode = z.enum(['running', 'usb-device-mode', 'recovery', 'uart-bridge']);
export type UsbMode = z.infer<typeof usbMode>;

/** An interface the device must expose for the entry to match (a composite id is shared by many gadgets). */
const interfaceMatch = z.object({ class: byte, subclass: byte.optional(), protocol: byte.optional() }).strict();

/** Where FGP runs on a vendor bulk interface; the endpoints default to the interface's first bulk IN and OUT. */
const fgpInterface = z
  .object({
    interfaceClass: byte,
    interfaceSubclass: byte.optional(),
    interfaceProtocol: byte.optional(),
    interfaceNumber: byte.optional(),
    endpointIn: z.number().int().min(0x81).max(0x8f).optional(),
    endpointOut: z.number().int().min(0x01).max(0x0f).optional(),
  })
  .strict();

export const usbCatalogEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an entry id is lowercase letters, digits and dashes'),
    family: z.string().min(1, 'say which gateway family this is'),
    mode: usbMode,
    vendorId: usbId,
    productIds: z.array(usbId).min(1, 'at least one product id'),
    requireInterfaces: z.array(interfaceMatch).optional(),
    meaning: z.string().min(1, 'say what this mode means for the technician'),
    nextStep: z.string().min(1, 'say what the technician (or Fieldline) can do next'),
    baudRates: z.array(z.number().int().positive()).min(1, 'at least one baud rate').optional(),
    fgp: fgpInterface.optional(),
    source: z.string().min(1, 'say where the ids come from'),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.mode === 'uart-bridge' && !entry.baudRates)
      ctx.addIssue({ code: 'custom', path: ['baudRates'], message: 'a uart-bridge entry needs the baud rates to probe' });
    if (entry.mode === 'recovery' && entry.fgp)
      ctx.addIssue({ code: 'custom', path: ['fgp'], message: 'a device in recovery mode runs no agent, so it cannot carry FGP' });
  });

export type UsbCatalogEntry = z.infer<typeof usbCatalogEntrySchema>;

export interface UsbCatalog {
  readonly entries: readonly UsbCatalogEntry[];
  /** Entries from the user file that replaced or joined the shipped ones. */
  readonly userEntries: readonly string[];
}

const catalogFileSchema = z.object({
  version: z.literal(1, 'version must be 1'),
  description: z.string().optional(),
  entries: z.array(z.unknown()),
});

export interface CatalogParse {
  readonly entries: UsbCatalogEntry[];
  /** One line per problem, each naming the file, the entry and the field. */
  readonly problems: string[];
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(entry)';
}

/** Parses one catalog file; invalid entries are left out, each with its reason. */
export function parseUsbCatalogFile(file: string, input: unknown): CatalogParse {
  const top = catalogFileSchema.safeParse(input);
  if (!top.success) {
    return {
      entries: [],
      problems: top.error.issues.map((i) => `${file}: ${issuePath(i.path) === '(entry)' ? '(file)' : issuePath(i.path)}: ${i.message}`),
    };
  }
  const entries: UsbCatalogEntry[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  top.data.entries.forEach((raw, index) => {
    const rawId = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string' ? raw.id : null;
    const label = `entry ${index}${rawId ? ` ("${rawId}")` : ''}`;
    const parsed = usbCatalogEntrySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${file}: ${label}: ${issuePath(issue.path)}: ${issue.message}`);
      return;
    }
    if (ids.has(parsed.data.id)) {
      problems.push(`${file}: ${label}: id: "${parsed.data.id}" is used twice in this file`);
      return;
    }
    ids.add(parsed.data.id);
    entries.push(parsed.data);
  });
  return { entries, problems };
}

/** Shipped entries with the user's merged over them (same id replaces, new ids are added). */
export function mergeUsbCatalogs(shipped: readonly UsbCatalogEntry[], user: readonly UsbCatalogEntry[]): UsbCatalog {
  const byId = new Map(shipped.map((e) => [e.id, e]));
  for (const entry of user) byId.set(entry.id, entry);
  return { entries: [...byId.values()], userEntries: user.map((e) => e.id) };
}

let shipped: UsbCatalogEntry[] | null = null;

/** The catalog shipped in resources/; a broken file is a build error, so this throws. */
export function shippedUsbCatalog(): UsbCatalogEntry[] {
  if (shipped) return shipped;
  const result = parseUsbCatalogFile(SHIPPED_NAME, shippedJson);
  if (result.problems.length) throw new Error(result.problems.join('\n'));
  shipped = result.entries;
  return shipped;
}

export interface LoadedUsbCatalog {
  readonly catalog: UsbCatalog;
  readonly problems: readonly string[];
}

/** Shipped catalog plus `<dataDir>/usb-catalog.json` when it exists. Never throws for the user file. */
export function loadUsbCatalog(dataDir: string | null): LoadedUsbCatalog {
  const base = shippedUsbCatalog();
  if (!dataDir) return { catalog: mergeUsbCatalogs(base, []), problems: [] };
  const file = join(dataDir, USB_CATALOG_FILE);
  if (!existsSync(file)) return { catalog: mergeUsbCatalogs(base, []), problems: [] };
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { catalog: mergeUsbCatalogs(base, []), problems: [`${file}: not valid JSON: ${(err as Error).message}`] };
  }
  const user = parseUsbCatalogFile(file, input);
  return { catalog: mergeUsbCatalogs(base, user.entries), problems: user.problems };
}

/** What the catalog needs to know about a device to match it. */
export interface MatchableDevice {
  readonly vendorId: string;
  readonly productId: string;
  readonly interfaces: readonly { readonly class: number; readonly subclass: number; readonly protocol: number }[];
}

function hasInterfaces(device: MatchableDevice, required: UsbCatalogEntry['requireInterfaces']): boolean {
  return (required ?? []).every((r) =>
    device.interfaces.some(
      (i) =>
        i.class === r.class &&
        (r.subclass === undefined || i.subclass === r.subclass) &&
        (r.protocol === undefined || i.protocol === r.protocol),
    ),
  );
}

/** The most specific entry for a device: among id matches, the one requiring the most interfaces. */
export function matchUsbCatalog(device: MatchableDevice, catalog: UsbCatalog): UsbCatalogEntry | null {
  let best: UsbCatalogEntry | null = null;
  for (const entry of catalog.entries) {
    if (entry.vendorId !== device.vendorId || !entry.productIds.includes(device.productId)) continue;
    if (!hasInterfaces(device, entry.requireInterfaces)) continue;
    if (!best || (entry.requireInterfaces?.length ?? 0) > (best.requireInterfaces?.length ?? 0)) best = entry;
  }
  return best;
}
