/**
 * A vendor bulk interface without a USB bus: the packet semantics of a real one, replayed.
 *
 * There is no USB bus on the test machines, so this stands at that boundary only. The endpoint
 * pair takes its addresses and wMaxPacketSize from the recorded descriptor of the reference
 * gadget (test/fixtures/usb/fieldline-reference-gadget.json) and behaves the way Linux usbfs and
 * the `usb` package do:
 *  - an IN transfer asks for whole packets and completes when full or on a short packet (a
 *    zero-length packet included); a transfer its timeout cancels returns nothing, and the
 *    packets it had already taken are lost, exactly as node-usb-rs drops them;
 *  - the device's read on the OUT side (a FunctionFS read of `deviceReadSize`) completes when
 *    full or on a short packet, so an exact multiple without a zero-length packet waits;
 *  - a device with no room NAKs: the host's OUT transfer waits, and times out;
 *  - faults give the error strings node-usb-rs gives ("transferIn error: Stall", "... Disconnected",
 *    "open error: Permission denied (os error 13)").
 *
 * `bridgeToSerial` then makes the device side a relay to a serial line, where the real reference
 * agent serves FGP: whatever the host sends reaches the agent, whatever it answers comes back in
 * bulk packets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SerialPort } from 'serialport';
import type {
  UsbBulkInResult,
  UsbBulkOpener,
  UsbBulkOutResult,
  UsbBulkPipe,
  UsbBulkTarget,
  UsbDeviceInfo,
} from '../../core/discovery/usb/adapter.js';
import { readUsbRecording, ReplayUsbAdapter, type UsbRecording } from '../../core/discovery/usb/replay-adapter.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'usb', 'fieldline-reference-gadget.json');

export interface RecordedBulkInterface {
  readonly device: UsbDeviceInfo;
  readonly target: UsbBulkTarget;
  readonly packetSizeIn: number;
  readonly packetSizeOut: number;
}

/** The reference gadget's FGP interface (class 0xff) as recorded. */
export function recordedReferenceInterface(): RecordedBulkInterface {
  const device = (JSON.parse(readFileSync(fixture, 'utf8')) as { devices: UsbDeviceInfo[] }).devices[0]!;
  const iface = device.interfaces.find((i) => i.class === 0xff)!;
  const epIn = iface.endpoints.find((e) => e.type === 'bulk' && e.address & 0x80)!;
  const epOut = iface.endpoints.find((e) => e.type === 'bulk' && !(e.address & 0x80))!;
  return {
    device,
    target: {
      busPath: device.busPath,
      vendorId: device.vendorId,
      productId: device.productId,
      serial: device.serial,
      interfaceNumber: iface.number,
      endpointIn: epIn.address,
      endpointOut: epOut.address,
    },
    packetSizeIn: epIn.packetSize,
    packetSizeOut: epOut.packetSize,
  };
}

export interface SimulatedDeviceOptions {
  /** Ends every write that is a whole number of packets with a zero-length packet (the FGP rule). */
  readonly deviceSendsZlp?: boolean;
  /** Size of each read the device posts on its OUT endpoint. */
  readonly deviceReadSize?: number;
  /** Bytes the device may hold on its IN endpoint before its writes wait. */
  readonly inQueueLimit?: number;
  /** An error `openBulk` rejects with, as the stack reports it. */
  readonly openError?: string;
}

type Waiter = () => void;

/** One side's queue with a wake-up for whoever waits on it. */
class Signal {
  private waiters: Waiter[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A device with one bulk IN and one bulk OUT endpoint, and the host's view of it (UsbBulkOpener).
 * The device side is driven by `deviceWrite` and `onDeviceRead`.
 */
export class SimulatedBulkDevice implements UsbBulkOpener {
  readonly recorded = recordedReferenceInterface();
  readonly packetSizeIn = this.recorded.packetSizeIn;
  readonly packetSizeOut = this.recorded.packetSizeOut;
  private readonly opts: Required<Omit<SimulatedDeviceOptions, 'openError'>> & { openError?: string | undefined };
  /** Packets the device has queued on its IN endpoint. */
  private readonly inPackets: Uint8Array[] = [];
  private inQueued = 0;
  private readonly inSignal = new Signal();
  private readonly inRoom = new Signal();
  /** The device's posted OUT read, filling. */
  private outRead: Uint8Array[] = [];
  private outReadBytes = 0;
  private outAccepting = true;
  private readonly outRoom = new Signal();
  private claimed = false;
  private gone = false;
  private readonly stalled = { in: false, out: false };
  /** Completed device reads go here (the bridge forwards them). */
  onDeviceRead: (data: Uint8Array) => void = () => {};
  /** Everything observable, for the tests. */
  readonly log = {
    inTransfersCancelledWithData: 0,
    bytesLost: 0,
    zlpsFromHost: 0,
    zlpsToHost: 0,
    haltsCleared: [] as string[],
    opens: 0,
    closes: 0,
  };

  constructor(options: SimulatedDeviceOptions = {}) {
    this.opts = {
      deviceSendsZlp: options.deviceSendsZlp ?? true,
      deviceReadSize: options.deviceReadSize ?? 16 * 1024,
      inQueueLimit: options.inQueueLimit ?? 64 * 1024,
      openError: options.openError,
    };
  }

  // ---- the device side ----

  /** The device writes: whole packets, a short last one, and a ZLP after an exact multiple. */
  async deviceWrite(bytes: Uint8Array): Promise<void> {
    while (this.inQueued >= this.opts.inQueueLimit && !this.gone) await this.inRoom.wait();
    const mps = this.packetSizeIn;
    for (let o = 0; o < bytes.length; o += mps) this.inPackets.push(bytes.slice(o, Math.min(bytes.length, o + mps)));
    if (bytes.length % mps === 0 && this.opts.deviceSendsZlp) {
      this.inPackets.push(new Uint8Array(0));
      this.log.zlpsToHost++;
    }
    this.inQueued += bytes.length;
    this.inSignal.wake();
  }

  /** The device stops (or resumes) taking OUT packets: the host's transfers are NAKed meanwhile. */
  setAccepting(accepting: boolean): void {
    this.outAccepting = accepting;
    if (accepting) this.outRoom.wake();
  }

  /** The device halts an endpoint: the next transfers on it fail until the host clears the halt. */
  stall(direction: 'in' | 'out'): void {
    this.stalled[direction] = true;
    this.inSignal.wake();
    this.outRoom.wake();
  }

  /** The cable is pulled. */
  unplug(): void {
    this.gone = true;
    this.inSignal.wake();
    this.outRoom.wake();
    this.inRoom.wake();
  }

  /** Bytes the device holds in a posted read that is neither full nor ended by a short packet. */
  get pendingDeviceRead(): number {
    return this.outReadBytes;
  }

  get isClaimed(): boolean {
    return this.claimed;
  }

  private receiveOutPacket(packet: Uint8Array): void {
    if (packet.length === 0) this.log.zlpsFromHost++;
    this.outRead.push(packet);
    this.outReadBytes += packet.length;
    if (packet.length < this.packetSizeOut || this.outReadBytes >= this.opts.deviceReadSize) {
      const data = Buffer.concat(this.outRead);
      this.outRead = [];
      this.outReadBytes = 0;
      if (data.length) this.onDeviceRead(data);
    }
  }

  // ---- the host side: what the `usb` package sees ----

  async openBulk(target: UsbBulkTarget): Promise<UsbBulkPipe> {
    const r = this.recorded.target;
    if (this.gone) throw new Error('open error: No such device (os error 19)');
    if (this.opts.openError) throw new Error(this.opts.openError);
    if (target.busPath !== r.busPath || target.vendorId !== r.vendorId || target.productId !== r.productId) {
      throw new Error(`no such device: nothing is plugged in at USB port ${target.busPath}`);
    }
    if (target.interfaceNumber !== r.interfaceNumber || target.endpointIn !== r.endpointIn || target.endpointOut !== r.endpointOut) {
      throw new Error('claimInterface error: endpoint not found');
    }
    if (this.claimed) throw new Error('claimInterface error: Device or resource busy (os error 16)');
    this.claimed = true;
    this.log.opens++;
    return this.pipe();
  }

  private pipe(): UsbBulkPipe {
    let open = true;
    const check = (direction: 'in' | 'out'): void => {
      const name = direction === 'in' ? 'transferIn' : 'transferOut';
      if (this.gone) throw new Error(`${name} error: Disconnected`);
      if (!open) throw new Error(`${name} error: endpoint not found`);
      if (this.stalled[direction]) throw new Error(`${name} error: Stall`);
    };
    return {
      packetSizeIn: this.packetSizeIn,
      packetSizeOut: this.packetSizeOut,
      transferIn: async (length: number, timeoutMs: number): Promise<UsbBulkInResult> => {
        check('in');
        const mps = this.packetSizeIn;
        const wanted = Math.ceil(length / mps) * mps;
        const taken: Uint8Array[] = [];
        let got = 0;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          this.inSignal.wake();
        }, timeoutMs);
        try {
          for (;;) {
            check('in');
            if (timedOut) {
              // Cancelled: node-usb-rs returns an error and none of the bytes already taken.
              if (got > 0) {
                this.log.inTransfersCancelledWithData++;
                this.log.bytesLost += got;
              }
              return { kind: 'timeout' };
            }
            const packet = this.inPackets.shift();
            if (!packet) {
              await this.inSignal.wait();
              continue;
            }
            this.inQueued -= packet.length;
            this.inRoom.wake();
            taken.push(packet);
            got += packet.length;
            if (packet.length < mps || got >= wanted) return { kind: 'data', data: Buffer.concat(taken) };
            // One packet per bus tick: a long transfer fills over time, like on a wire.
            await tick();
          }
        } finally {
          clearTimeout(timer);
        }
      },
      transferOut: async (data: Uint8Array, timeoutMs: number): Promise<UsbBulkOutResult> => {
        check('out');
        const mps = this.packetSizeOut;
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          this.outRoom.wake();
        }, timeoutMs);
        try {
          let offset = 0;
          do {
            while (!this.outAccepting) {
              check('out');
              if (timedOut) return { kind: 'timeout' };
              await this.outRoom.wait();
            }
            check('out');
            const packet = data.subarray(offset, Math.min(data.length, offset + mps));
            this.receiveOutPacket(packet);
            offset += mps;
            if (offset < data.length) await tick();
          } while (offset < data.length);
          return { kind: 'done', written: data.length };
        } finally {
          clearTimeout(timer);
        }
      },
      clearHalt: async (direction: 'in' | 'out'): Promise<void> => {
        if (this.gone) throw new Error('clearHalt error: Disconnected');
        this.stalled[direction] = false;
        this.log.haltsCleared.push(direction);
      },
      close: async (): Promise<void> => {
        if (!open) return;
        open = false;
        this.claimed = false;
        this.log.closes++;
      },
    };
  }
}

/**
 * Makes `device` relay to a serial line: the device's completed OUT reads are written to `port`,
 * and what `port` reads becomes the device's IN writes (one write per chunk the line delivers, as
 * a gadget agent writes what it has). Both directions keep the line's and the endpoint's
 * backpressure. Returns a function that stops the relay.
 */
export function bridgeToSerial(device: SimulatedBulkDevice, port: SerialPort): () => void {
  let toHost: Promise<void> = Promise.resolve();
  device.onDeviceRead = (data) => {
    if (!port.write(Buffer.from(data))) {
      device.setAccepting(false);
      port.once('drain', () => device.setAccepting(true));
    }
  };
  const onData = (chunk: Buffer): void => {
    port.pause();
    toHost = toHost.then(() => device.deviceWrite(new Uint8Array(chunk))).finally(() => port.resume());
  };
  port.on('data', onData);
  return () => {
    port.off('data', onData);
    device.onDeviceRead = () => {};
  };
}

/**
 * A replayed bus whose reference gadget's FGP interface is `device`: the adapter the USB lane
 * enumerates with is also the bulk opener, as the native one is. Every open is logged, so tests
 * can see when discovery claimed the interface and when it left it alone.
 */
export class ReplayBusWithBulk extends ReplayUsbAdapter implements UsbBulkOpener {
  readonly bulkOpens: UsbBulkTarget[] = [];

  constructor(
    recordings: readonly UsbRecording[],
    private readonly device: SimulatedBulkDevice,
  ) {
    super(recordings);
  }

  openBulk(target: UsbBulkTarget): Promise<UsbBulkPipe> {
    this.bulkOpens.push(target);
    return this.device.openBulk(target);
  }
}

/** The reference gadget as it enumerates with its FGP bulk interface only (no ACM, no RNDIS). */
export function bulkOnlyGadget(): UsbRecording['devices'][number] {
  const device = readUsbRecording(fixture).devices[0]!;
  return { ...device, interfaces: device.interfaces.filter((i) => i.class === 0xff) };
}
