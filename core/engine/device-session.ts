/**
 * Opening a verified session with a gateway over one of its paths.
 *
 * Every session runs `hello` (device proves its key), checks the TLS certificate key against the
 * device id, checks the id the caller expected, and checks the pin for the hardware identity.
 */
import type { SerialPort } from 'serialport';
import type { DeviceDescriptor, DevicePath } from '../api/schemas.js';
import { descriptorFromWire } from '../discovery/descriptor.js';
import { hello, type HelloOptions } from '../protocol/client-session.js';
import { FgpError } from '../protocol/errors.js';
import type { HelloResult } from '../protocol/handshake.js';
import { FgpPeer } from '../protocol/peer.js';
import type { UsbBulkOpener } from '../discovery/usb/adapter.js';
import { NativeUsbAdapter } from '../discovery/usb/usb-adapter.js';
import { closeSerial, openSerial } from '../transport/serial.js';
import { openTcp } from '../transport/tcp.js';
import { describeUsbTarget, openUsbBulk, type UsbBulkOptions } from '../transport/usb-bulk.js';
import type { PinStore } from '../store/pin-store.js';

export interface DeviceSession {
  readonly peer: FgpPeer;
  readonly descriptor: DeviceDescriptor;
  readonly path: DevicePath;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The id discovery saw for this path; a different answer is refused. */
  readonly expectId?: string;
  readonly pins?: PinStore;
  readonly timeoutMs?: number;
  /**
   * Opens USB bulk interfaces (the engine passes the adapter its discovery lists with, so both
   * see the same devices); without one, a process-wide NativeUsbAdapter is made on first use.
   */
  readonly usb?: UsbBulkOpener;
  readonly usbBulk?: UsbBulkOptions;
}

let defaultUsb: UsbBulkOpener | null = null;

/** One conversion for every hello answer, so discovery and sessions store the same descriptor. */
export function descriptorToApi(d: HelloResult): DeviceDescriptor {
  return descriptorFromWire(d);
}

export async function openDeviceSession(path: DevicePath, options: OpenOptions = {}): Promise<DeviceSession> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let peer: FgpPeer;
  let close: () => Promise<void>;
  const helloOptions: { transportKey?: Uint8Array } = {};
  switch (path.transport) {
    case 'tcp': {
      const opened = await openTcp({ host: path.host, port: path.port, tls: path.tls }, timeoutMs);
      peer = new FgpPeer(opened.stream, { channelBinding: opened.binding, requestTimeoutMs: timeoutMs });
      if (opened.transportKey) helloOptions.transportKey = opened.transportKey;
      close = async () => peer.close();
      break;
    }
    case 'serial': {
      const port: SerialPort = await openSerial({ path: path.path, baudRate: path.baudRate });
      peer = new FgpPeer(port, { requestTimeoutMs: timeoutMs });
      close = () => closeSerial(port);
      break;
    }
    case 'usb': {
      if (!path.fgp) {
        throw new FgpError(
          'no_fgp_interface',
          `${describePath(path)} has no FGP bulk interface; Fieldline reaches this gateway through its USB serial or USB network function instead`,
          undefined,
          'Use the serial or network path discovery listed for the same device (fieldline devices shows them).',
        );
      }
      const opener = options.usb ?? (defaultUsb ??= new NativeUsbAdapter());
      const stream = await openUsbBulk(
        opener,
        { busPath: path.busPath, vendorId: path.vendorId, productId: path.productId, serial: path.serial, ...path.fgp },
        options.usbBulk,
      );
      peer = new FgpPeer(stream, { requestTimeoutMs: timeoutMs });
      close = () =>
        new Promise<void>((resolve) => {
          // 'close' comes after the interface is released, so the next session can claim it.
          if (stream.closed) return resolve();
          stream.once('close', () => resolve());
          peer.close();
        });
      break;
    }
  }
  try {
    const result = await hello(peer, helloOptions satisfies HelloOptions);
    if (options.expectId && result.id !== options.expectId) {
      throw new FgpError(
        'identity_mismatch',
        `expected gateway ${options.expectId.slice(0, 12)}… at ${describePath(path)} but ${result.id.slice(0, 12)}… answered`,
        undefined,
        'The address now belongs to another gateway (DHCP, a swapped cable). Run discovery again.',
      );
    }
    const pin = options.pins?.checkAndPin(result, result.id);
    if (pin && !pin.ok) {
      throw new FgpError(
        'pin_mismatch',
        `WARNING: ${result.vendor} ${result.model} serial ${result.serial} answered with a different key than the first time (now ${result.id.slice(0, 12)}…, pinned ${pin.pinnedId.slice(0, 12)}… on ${new Date(pin.firstSeen).toISOString().slice(0, 10)}). Fieldline refuses to talk to it.`,
        { pinnedId: pin.pinnedId, presentedId: result.id },
        'If the gateway was re-imaged or its board replaced, confirm with your administrator, then forget the old pin (fieldline pins forget). Otherwise someone may be impersonating it: do not proceed.',
      );
    }
    return { peer, descriptor: descriptorToApi(result), path, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function describePath(path: DevicePath): string {
  switch (path.transport) {
    case 'tcp':
      return `${path.host}:${path.port}`;
    case 'serial':
      return path.path;
    case 'usb':
      return path.fgp ? `${describeUsbTarget(path)} interface ${path.fgp.interfaceNumber}` : describeUsbTarget(path);
  }
}

/** Lower is tried first: LAN (fast, TLS), then USB bulk, then serial; a USB path without FGP last. */
function pathRank(path: DevicePath): number {
  switch (path.transport) {
    case 'tcp':
      return 0;
    case 'usb':
      return path.fgp ? 1 : 3;
    case 'serial':
      return 2;
  }
}

/** Paths in the order worth trying; the sort is stable, so equal kinds keep discovery's order. */
export function rankPaths(paths: readonly DevicePath[]): DevicePath[] {
  return [...paths].sort((a, b) => pathRank(a) - pathRank(b));
}
