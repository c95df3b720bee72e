/**
 * The one seam between Fieldline and the USB stack.
 *
 * Everything above it (catalog matching, linking, hot-plug events) works on these plain records,
 * so a recorded bus replays through exactly the code a real one goes through.
 */
import type { UsbAccessError } from './usb-errors.js';

export interface UsbEndpointInfo {
  /** bEndpointAddress: bit 7 set for IN. */
  readonly address: number;
  readonly type: 'bulk' | 'interrupt' | 'isochronous' | 'control';
  readonly packetSize: number;
}

export interface UsbInterfaceInfo {
  readonly number: number;
  readonly alternate: number;
  readonly class: number;
  readonly subclass: number;
  readonly protocol: number;
  readonly name?: string | undefined;
  readonly endpoints: readonly UsbEndpointInfo[];
}

export interface UsbDeviceInfo {
  /** Port path as the kernel names the device in sysfs: "<bus>-<port>[.<port>...]", e.g. "1-2.4". */
  readonly busPath: string;
  /** 4 lowercase hex digits, the way the catalog and serialport spell them. */
  readonly vendorId: string;
  readonly productId: string;
  readonly deviceClass: number;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly serial?: string | undefined;
  /** Interfaces of the active configuration, first alternate setting each. */
  readonly interfaces: readonly UsbInterfaceInfo[];
}

export type UsbListResult =
  | { readonly ok: true; readonly devices: readonly UsbDeviceInfo[] }
  /** No USB access at all on this machine (no bus, no permission to list, no native module). */
  | { readonly ok: false; readonly reason: string };

export type UsbHotplugEvent =
  { readonly type: 'attach'; readonly device: UsbDeviceInfo } | { readonly type: 'detach'; readonly busPath: string };

export interface UsbAdapter {
  list(): Promise<UsbListResult>;
  /**
   * Opens the device (and claims `interfaceNumber` if given) and releases it again: can Fieldline
   * use it? null when it can.
   */
  checkAccess(device: UsbDeviceInfo, interfaceNumber?: number): Promise<UsbAccessError | null>;
  /** Starts hot-plug notifications; the returned function stops them. */
  watch(listener: (event: UsbHotplugEvent) => void): Promise<() => Promise<void>>;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** Where FGP lives on a device: its vendor bulk interface (endpoint addresses carry bit 7 for IN). */
export interface UsbBulkTarget {
  readonly busPath: string;
  readonly vendorId: string;
  readonly productId: string;
  /** When known, a device on that port with another serial number is refused. */
  readonly serial?: string | undefined;
  readonly interfaceNumber: number;
  readonly endpointIn: number;
  readonly endpointOut: number;
}

/**
 * One bulk transfer's outcome. A timeout is not an error: the host cancels the transfer and asks
 * again. Bytes a cancelled transfer had already taken are lost (the `usb` package returns none of
 * them), which is why the transport only lets a single-packet transfer time out while idle.
 */
export type UsbBulkInResult = { readonly kind: 'data'; readonly data: Uint8Array } | { readonly kind: 'timeout' };
export type UsbBulkOutResult = { readonly kind: 'done'; readonly written: number } | { readonly kind: 'timeout' };

/** A claimed bulk interface: the IN and OUT endpoint of one device, until `close`. */
export interface UsbBulkPipe {
  /** wMaxPacketSize of each endpoint, from the device's descriptors. */
  readonly packetSizeIn: number;
  readonly packetSizeOut: number;
  /**
   * Completes when `length` bytes (rounded up to whole packets) arrived or a short packet ended
   * the device's write; an empty result is a zero-length packet. Rejects with the stack's error
   * (stall, disconnected…).
   */
  transferIn(length: number, timeoutMs: number): Promise<UsbBulkInResult>;
  /** One transfer; an empty `data` sends a zero-length packet. */
  transferOut(data: Uint8Array, timeoutMs: number): Promise<UsbBulkOutResult>;
  clearHalt(direction: 'in' | 'out'): Promise<void>;
  /** Releases the interface and closes the device; never rejects. */
  close(): Promise<void>;
}

/**
 * Opening a device's FGP bulk interface. Separate from UsbAdapter: discovery only lists and
 * checks, and adapters that cannot move data (a recorded bus) need not pretend to.
 */
export interface UsbBulkOpener {
  /** Opens the device and claims the interface; rejects with the stack's error. */
  openBulk(target: UsbBulkTarget): Promise<UsbBulkPipe>;
}

/** Can this adapter open bulk interfaces? (The native one can; a recorded bus cannot.) */
export function isUsbBulkOpener(adapter: object): adapter is UsbBulkOpener {
  return 'openBulk' in adapter && typeof adapter.openBulk === 'function';
}
