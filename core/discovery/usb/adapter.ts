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
