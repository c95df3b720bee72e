/**
 * The device catalog (resources/device-catalog.json): which USB serial adapters are worth probing.
 *
 * Probing writes bytes to a port, so discovery only does it unasked for adapters gateways are
 * known to use; every other port must be named by the technician.
 */
import { z } from 'zod';
import builtinCatalogJson from '../../resources/device-catalog.json' with { type: 'json' };

const usbId = z.string().regex(/^[0-9a-f]{4}$/, 'a USB id is 4 lowercase hex digits, e.g. "0403"');

export const catalogEntrySchema = z
  .object({
    name: z.string().min(1),
    vendorId: usbId,
    productId: usbId,
    baudRates: z.array(z.number().int().positive()).min(1, 'at least one baud rate'),
    note: z.string(),
  })
  .strict();

export const deviceCatalogSchema = z
  .object({
    version: z.literal(1),
    description: z.string().optional(),
    entries: z.array(catalogEntrySchema),
  })
  .strict();

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
export type DeviceCatalog = z.infer<typeof deviceCatalogSchema>;

/** Baud rates tried on a port the technician named that the catalog does not know. */
export const NAMED_PORT_BAUD_RATES: readonly number[] = [115200, 921600];

export type CatalogResult = { ok: true; catalog: DeviceCatalog } | { ok: false; reason: string };

export function parseCatalog(input: unknown): CatalogResult {
  const parsed = deviceCatalogSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `device catalog: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    };
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.entries) {
    const key = `${entry.vendorId}:${entry.productId}`;
    if (seen.has(key)) return { ok: false, reason: `device catalog: ${key} is listed twice` };
    seen.add(key);
  }
  return { ok: true, catalog: parsed.data };
}

let builtin: DeviceCatalog | null = null;

/** The catalog shipped in resources/; a broken file is a build error, so this throws. */
export function builtinCatalog(): DeviceCatalog {
  if (builtin) return builtin;
  const result = parseCatalog(builtinCatalogJson);
  if (!result.ok) throw new Error(result.reason);
  builtin = result.catalog;
  return builtin;
}

/** Normalises what OSes report ("0x0403", "403", "0403", "EA60") to 4 lowercase hex digits. */
export function normaliseUsbId(value: string | undefined): string | null {
  if (!value) return null;
  const hex = value.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,4}$/.test(hex)) return null;
  return hex.padStart(4, '0');
}

export function matchCatalog(
  port: { readonly vendorId?: string | undefined; readonly productId?: string | undefined },
  catalog: DeviceCatalog,
): CatalogEntry | null {
  const vendorId = normaliseUsbId(port.vendorId);
  const productId = normaliseUsbId(port.productId);
  if (!vendorId || !productId) return null;
  return catalog.entries.find((e) => e.vendorId === vendorId && e.productId === productId) ?? null;
}
