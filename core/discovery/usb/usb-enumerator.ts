/**
 * USB enumeration: what is plugged in, what the catalog says it is, and whether we may open it.
 *
 * Records are plain data shaped for the registry: the catalog match says the family, the mode and
 * the next step; `fgp` says where FGP runs on a vendor bulk interface; `error` says why Fieldline
 * cannot open the device. A device the catalog does not know is listed with `catalog: null`.
 */
import { EventEmitter } from 'node:events';
import type { UsbAdapter, UsbDeviceInfo, UsbHotplugEvent, UsbInterfaceInfo } from './adapter.js';
import { matchUsbCatalog, type UsbCatalog, type UsbCatalogEntry, type UsbMode } from './usb-catalog.js';
import type { UsbAccessError } from './usb-errors.js';

export interface UsbCatalogMatch {
  readonly entryId: string;
  readonly family: string;
  readonly mode: UsbMode;
  readonly meaning: string;
  readonly nextStep: string;
  readonly baudRates?: readonly number[] | undefined;
}

export interface FgpBulkInterface {
  readonly interfaceNumber: number;
  readonly endpointIn: number;
  readonly endpointOut: number;
}

export interface UsbDeviceRecord {
  readonly busPath: string;
  readonly vendorId: string;
  readonly productId: string;
  readonly serial?: string | undefined;
  readonly product?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly interfaces: readonly UsbInterfaceInfo[];
  readonly catalog: UsbCatalogMatch | null;
  readonly fgp?: FgpBulkInterface | undefined;
  readonly error?: UsbAccessError | undefined;
}

export type UsbEnumeration =
  { readonly ok: true; readonly devices: readonly UsbDeviceRecord[] } | { readonly ok: false; readonly reason: string };

/** The interface and endpoints FGP runs on, from the catalog's description and the descriptors. */
export function resolveFgpInterface(entry: UsbCatalogEntry, interfaces: readonly UsbInterfaceInfo[]): FgpBulkInterface | undefined {
  const want = entry.fgp;
  if (!want) return undefined;
  const iface = interfaces.find(
    (i) =>
      i.class === want.interfaceClass &&
      (want.interfaceSubclass === undefined || i.subclass === want.interfaceSubclass) &&
      (want.interfaceProtocol === undefined || i.protocol === want.interfaceProtocol) &&
      (want.interfaceNumber === undefined || i.number === want.interfaceNumber),
  );
  if (!iface) return undefined;
  const bulk = iface.endpoints.filter((e) => e.type === 'bulk');
  const endpointIn = want.endpointIn ?? bulk.find((e) => (e.address & 0x80) !== 0)?.address;
  const endpointOut = want.endpointOut ?? bulk.find((e) => (e.address & 0x80) === 0)?.address;
  if (endpointIn === undefined || endpointOut === undefined) return undefined;
  return { interfaceNumber: iface.number, endpointIn, endpointOut };
}

export interface UsbEnumeratorEvents {
  attach: [record: UsbDeviceRecord];
  detach: [record: UsbDeviceRecord];
}

export class UsbEnumerator extends EventEmitter<UsbEnumeratorEvents> {
  private readonly known = new Map<string, UsbDeviceRecord>();
  private unwatch: (() => Promise<void>) | null = null;
  /** Hot-plug events are handled one at a time so a detach never overtakes its attach. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly adapter: UsbAdapter,
    private readonly catalog: UsbCatalog,
  ) {
    super();
  }

  /** One record for a device: catalog match, FGP interface, and an access check where it matters. */
  async describe(device: UsbDeviceInfo): Promise<UsbDeviceRecord> {
    const entry = matchUsbCatalog(device, this.catalog);
    const fgp = entry ? resolveFgpInterface(entry, device.interfaces) : undefined;
    // Only devices Fieldline itself would open are checked: a bulk FGP interface, or a boot ROM a
    // flash tool must open. UART bridges are reached through their tty (dialout), not libusb.
    const needsOpen = fgp !== undefined || entry?.mode === 'recovery';
    const error = needsOpen ? ((await this.adapter.checkAccess(device, fgp?.interfaceNumber)) ?? undefined) : undefined;
    return {
      busPath: device.busPath,
      vendorId: device.vendorId,
      productId: device.productId,
      serial: device.serial,
      product: device.product,
      manufacturer: device.manufacturer,
      interfaces: device.interfaces,
      catalog: entry
        ? {
            entryId: entry.id,
            family: entry.family,
            mode: entry.mode,
            meaning: entry.meaning,
            nextStep: entry.nextStep,
            baudRates: entry.baudRates,
          }
        : null,
      fgp,
      error,
    };
  }

  async list(): Promise<UsbEnumeration> {
    const listed = await this.adapter.list();
    if (!listed.ok) return listed;
    const devices: UsbDeviceRecord[] = [];
    for (const d of listed.devices) devices.push(await this.describe(d));
    devices.sort((a, b) => a.busPath.localeCompare(b.busPath, 'en', { numeric: true }));
    return { ok: true, devices };
  }

  current(): UsbDeviceRecord[] {
    return [...this.known.values()];
  }

  /** Lists once, then follows hot-plug events; what was there at start is not re-announced. */
  async start(): Promise<UsbEnumeration> {
    const first = await this.list();
    if (first.ok) for (const d of first.devices) this.known.set(d.busPath, d);
    this.unwatch = await this.adapter.watch((event) => {
      this.queue = this.queue.then(() => this.handle(event));
    });
    return first;
  }

  async stop(): Promise<void> {
    await this.unwatch?.();
    this.unwatch = null;
    await this.queue;
  }

  /** Resolves when every hot-plug event received so far has been handled. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async handle(event: UsbHotplugEvent): Promise<void> {
    if (event.type === 'attach') {
      const record = await this.describe(event.device);
      this.known.set(record.busPath, record);
      this.emit('attach', record);
      return;
    }
    const record = this.known.get(event.busPath);
    if (!record) return;
    this.known.delete(event.busPath);
    this.emit('detach', record);
  }
}
