/**
 * The real adapter over the `usb` package (node-usb-rs).
 *
 * The native module is loaded on first use, not at import: a machine without a USB bus, without
 * /sys/bus/usb or without a prebuilt binary must still run every other part of Fieldline. Any
 * failure to list becomes "no USB access on this machine: <reason>", never an exception.
 */
import { createRequire } from 'node:module';
import {
  hex4,
  type UsbAdapter,
  type UsbBulkInResult,
  type UsbBulkOpener,
  type UsbBulkOutResult,
  type UsbBulkPipe,
  type UsbBulkTarget,
  type UsbDeviceInfo,
  type UsbEndpointInfo,
  type UsbHotplugEvent,
  type UsbInterfaceInfo,
  type UsbListResult,
} from './adapter.js';
import { describeUsbError, type UsbAccessError } from './usb-errors.js';

/** The subset of the package's native surface this adapter uses, checked at load time. */
interface NativeEndpoint {
  readonly endpointNumber: number;
  readonly direction: string;
  readonly type: string;
  readonly packetSize: number;
}
interface NativeInterface {
  readonly interfaceNumber: number;
  readonly alternate: {
    readonly alternateSetting: number;
    readonly interfaceClass: number;
    readonly interfaceSubclass: number;
    readonly interfaceProtocol: number;
    readonly interfaceName?: string | null;
    readonly endpoints: readonly NativeEndpoint[];
  };
}
interface NativeDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceClass: number;
  readonly bus: string;
  readonly ports: readonly number[];
  readonly handle: string;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configuration: { readonly interfaces: readonly NativeInterface[] } | null | undefined;
  open(): Promise<void>;
  close(): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  /** Endpoint *numbers* (address without the direction bit); a timeout rejects as "Cancelled". */
  nativeTransferIn(endpointNumber: number, timeout: number, length: number): Promise<Uint8Array | null>;
  nativeTransferOut(endpointNumber: number, timeout: number, data: Uint8Array): Promise<number>;
  clearHalt(direction: 'in' | 'out', endpointNumber: number): Promise<void>;
}
interface NativeEmitter {
  addAttach(cb: (device: NativeDevice) => void): Promise<void>;
  removeAttach(): Promise<void>;
  addDetach(cb: (handle: string) => void): Promise<void>;
  removeDetach(): Promise<void>;
}
interface NativeUsbModule {
  nativeGetDevices(): Promise<NativeDevice[]>;
  Emitter: new () => NativeEmitter;
}

function isNativeModule(mod: unknown): mod is NativeUsbModule {
  return (
    typeof mod === 'object' &&
    mod !== null &&
    'nativeGetDevices' in mod &&
    typeof mod.nativeGetDevices === 'function' &&
    'Emitter' in mod &&
    typeof mod.Emitter === 'function'
  );
}

type Loaded = { ok: true; mod: NativeUsbModule } | { ok: false; reason: string };

function loadNative(): Loaded {
  try {
    // The package's root entry is the WebUSB wrapper; index.js is the native binding underneath.
    const mod: unknown = createRequire(import.meta.url)('usb/index.js');
    if (!isNativeModule(mod)) return { ok: false, reason: 'the installed usb package does not have the expected native API' };
    return { ok: true, mod };
  } catch (err) {
    return { ok: false, reason: `the usb native module could not be loaded (${(err as Error).message.split('\n')[0]})` };
  }
}

/** "1-2.4" from bus "1" (or "1-…") and ports [2, 4]: the name sysfs gives the device. */
export function busPathOf(bus: string, ports: readonly number[]): string {
  const busNumber = /^\d+/.exec(bus)?.[0] ?? bus;
  return ports.length ? `${Number(busNumber)}-${ports.join('.')}` : `usb${Number(busNumber)}`;
}

function safeString(read: () => string | null): string | undefined {
  try {
    const value = read();
    return value ? value : undefined;
  } catch {
    // String descriptors the kernel did not cache need the device opened: absent, not fatal.
    return undefined;
  }
}

function endpointOf(e: NativeEndpoint): UsbEndpointInfo {
  const type = e.type === 'bulk' || e.type === 'interrupt' || e.type === 'isochronous' ? e.type : 'control';
  return { address: (e.direction === 'in' ? 0x80 : 0) | e.endpointNumber, type, packetSize: e.packetSize };
}

function deviceInfo(d: NativeDevice): UsbDeviceInfo {
  let interfaces: UsbInterfaceInfo[] = [];
  try {
    interfaces = (d.configuration?.interfaces ?? []).map((i) => ({
      number: i.interfaceNumber,
      alternate: i.alternate.alternateSetting,
      class: i.alternate.interfaceClass,
      subclass: i.alternate.interfaceSubclass,
      protocol: i.alternate.interfaceProtocol,
      name: i.alternate.interfaceName ?? undefined,
      endpoints: i.alternate.endpoints.map(endpointOf),
    }));
  } catch {
    interfaces = [];
  }
  return {
    busPath: busPathOf(d.bus, d.ports),
    vendorId: hex4(d.vendorId),
    productId: hex4(d.productId),
    deviceClass: d.deviceClass,
    manufacturer: safeString(() => d.manufacturerName),
    product: safeString(() => d.productName),
    serial: safeString(() => d.serialNumber),
    interfaces,
  };
}

/** node-usb-rs reports a transfer its timeout cancelled as "transferIn error: Cancelled". */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && /\bcancell?ed\b|timed? ?out/i.test(err.message);
}

function packetSizeOf(d: NativeDevice, interfaceNumber: number, address: number): number | undefined {
  const iface = d.configuration?.interfaces.find((i) => i.interfaceNumber === interfaceNumber);
  const wanted = address & 0x7f;
  const direction = address & 0x80 ? 'in' : 'out';
  const ep = iface?.alternate.endpoints.find((e) => e.endpointNumber === wanted && e.direction === direction);
  return ep && ep.type === 'bulk' ? ep.packetSize : undefined;
}

/** A claimed vendor bulk interface on a real device. */
class NativeBulkPipe implements UsbBulkPipe {
  private closed = false;
  constructor(
    private readonly device: NativeDevice,
    private readonly target: UsbBulkTarget,
    readonly packetSizeIn: number,
    readonly packetSizeOut: number,
  ) {}

  async transferIn(length: number, timeoutMs: number): Promise<UsbBulkInResult> {
    try {
      const data = await this.device.nativeTransferIn(this.target.endpointIn & 0x7f, timeoutMs, length);
      return { kind: 'data', data: data ?? new Uint8Array(0) };
    } catch (err) {
      if (isTimeout(err)) return { kind: 'timeout' };
      throw err;
    }
  }

  async transferOut(data: Uint8Array, timeoutMs: number): Promise<UsbBulkOutResult> {
    try {
      return { kind: 'done', written: await this.device.nativeTransferOut(this.target.endpointOut & 0x7f, timeoutMs, data) };
    } catch (err) {
      if (isTimeout(err)) return { kind: 'timeout' };
      throw err;
    }
  }

  clearHalt(direction: 'in' | 'out'): Promise<void> {
    const address = direction === 'in' ? this.target.endpointIn : this.target.endpointOut;
    return this.device.clearHalt(direction, address & 0x7f);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.device.releaseInterface(this.target.interfaceNumber).catch(() => undefined);
    await this.device.close().catch(() => undefined);
  }
}

export class NativeUsbAdapter implements UsbAdapter, UsbBulkOpener {
  private loaded: Loaded | null = null;
  /** Native devices by bus path, so checkAccess can open what list returned. */
  private readonly devices = new Map<string, NativeDevice>();
  /** Detach reports a handle, not a port path. */
  private readonly handles = new Map<string, string>();

  private native(): Loaded {
    this.loaded ??= loadNative();
    return this.loaded;
  }

  async list(): Promise<UsbListResult> {
    const loaded = this.native();
    if (!loaded.ok) return { ok: false, reason: `no USB access on this machine: ${loaded.reason}` };
    let native: NativeDevice[];
    try {
      native = await loaded.mod.nativeGetDevices();
    } catch (err) {
      return { ok: false, reason: `no USB access on this machine: ${(err as Error).message}` };
    }
    this.devices.clear();
    const devices = native.map((d) => {
      const info = deviceInfo(d);
      this.devices.set(info.busPath, d);
      this.handles.set(safeString(() => d.handle) ?? info.busPath, info.busPath);
      return info;
    });
    return { ok: true, devices };
  }

  async checkAccess(device: UsbDeviceInfo, interfaceNumber?: number): Promise<UsbAccessError | null> {
    const native = this.devices.get(device.busPath);
    if (!native) return describeUsbError({ code: 'LIBUSB_ERROR_NO_DEVICE', message: 'not in the last listing' }, device);
    let claimed = false;
    try {
      await native.open();
      if (interfaceNumber !== undefined) {
        await native.claimInterface(interfaceNumber);
        claimed = true;
      }
      return null;
    } catch (err) {
      return describeUsbError(err, device);
    } finally {
      // Release whatever was taken: a device left open blocks the vendor's own tools.
      if (claimed && interfaceNumber !== undefined) await native.releaseInterface(interfaceNumber).catch(() => undefined);
      await native.close().catch(() => undefined);
    }
  }

  async openBulk(target: UsbBulkTarget): Promise<UsbBulkPipe> {
    const loaded = this.native();
    if (!loaded.ok) throw new Error(`no USB access on this machine: ${loaded.reason}`);
    let native = this.devices.get(target.busPath);
    if (!native) {
      // Sessions may open a path discovery found in an earlier run: list again before giving up.
      await this.list();
      native = this.devices.get(target.busPath);
    }
    if (!native) throw new Error(`no such device: nothing is plugged in at USB port ${target.busPath}`);
    const info = deviceInfo(native);
    if (info.vendorId !== target.vendorId || info.productId !== target.productId || (target.serial && info.serial !== target.serial)) {
      throw new Error(
        `no such device: USB port ${target.busPath} now holds ${info.vendorId}:${info.productId}${info.serial ? ` serial ${info.serial}` : ''}, not ${target.vendorId}:${target.productId}${target.serial ? ` serial ${target.serial}` : ''}`,
      );
    }
    await native.open();
    try {
      await native.claimInterface(target.interfaceNumber);
    } catch (err) {
      await native.close().catch(() => undefined);
      throw err;
    }
    const sizeIn = packetSizeOf(native, target.interfaceNumber, target.endpointIn);
    const sizeOut = packetSizeOf(native, target.interfaceNumber, target.endpointOut);
    const pipe = new NativeBulkPipe(native, target, sizeIn ?? 0, sizeOut ?? 0);
    if (!sizeIn || !sizeOut) {
      await pipe.close();
      throw new Error(
        `interface ${target.interfaceNumber} of ${target.vendorId}:${target.productId} has no bulk endpoints 0x${target.endpointIn.toString(16)} and 0x${target.endpointOut.toString(16)}`,
      );
    }
    return pipe;
  }

  async watch(listener: (event: UsbHotplugEvent) => void): Promise<() => Promise<void>> {
    const loaded = this.native();
    if (!loaded.ok) return async () => undefined;
    const emitter = new loaded.mod.Emitter();
    try {
      await emitter.addAttach((d) => {
        const info = deviceInfo(d);
        this.devices.set(info.busPath, d);
        this.handles.set(safeString(() => d.handle) ?? info.busPath, info.busPath);
        listener({ type: 'attach', device: info });
      });
      await emitter.addDetach((handle) => {
        const busPath = this.handles.get(handle);
        if (!busPath) return;
        this.handles.delete(handle);
        this.devices.delete(busPath);
        listener({ type: 'detach', busPath });
      });
    } catch {
      // Hot-plug needs the same access as listing; list() already says why it is missing.
      return async () => undefined;
    }
    return async () => {
      await emitter.removeAttach().catch(() => undefined);
      await emitter.removeDetach().catch(() => undefined);
    };
  }
}
