/**
 * USB bulk transport: FGP frames on a gateway's vendor bulk interface (protocol.md §"FGP over
 * USB bulk"). No TLS, like serial; `hello` still proves the device key.
 *
 * Reading. A bulk IN transfer ends when its buffer is full or a short packet (possibly a
 * zero-length one) arrives, so the device ends every write with one. While the line is idle the
 * host asks for one packet at a time with a short timeout: cancelling a single-packet transfer
 * can lose nothing, whereas the `usb` package discards whatever a cancelled longer transfer had
 * already received. A full packet means the device is mid-write, so the rest is fetched with
 * one large transfer that the device's short packet completes.
 *
 * Writing. Each write becomes transfers of whole packets; when its length is an exact multiple of
 * the packet size a zero-length packet follows, or the device's read would wait for more.
 * Backpressure is the transfer itself: the next write starts when the device accepted the last.
 */
import { Duplex } from 'node:stream';
import type { UsbBulkOpener, UsbBulkPipe, UsbBulkTarget } from '../discovery/usb/adapter.js';
import { classifyUsbError, describeUsbError, udevRuleFor } from '../discovery/usb/usb-errors.js';
import { FgpError } from '../protocol/errors.js';

export interface UsbBulkOptions {
  /** How long an idle single-packet read waits before it is cancelled and asked again. */
  readonly pollTimeoutMs?: number;
  /** How long the rest of a started device write may take before the line is out of sync. */
  readonly streamTimeoutMs?: number;
  /** How long the device may refuse data (NAK) before a write fails. */
  readonly writeTimeoutMs?: number;
  /** Largest single transfer, rounded down to whole packets. */
  readonly maxTransfer?: number;
}

const DEFAULTS = { pollTimeoutMs: 200, streamTimeoutMs: 5000, writeTimeoutMs: 10_000, maxTransfer: 64 * 1024 };

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export function describeUsbTarget(target: Pick<UsbBulkTarget, 'busPath' | 'vendorId' | 'productId'>): string {
  return `usb ${target.busPath} (${target.vendorId}:${target.productId})`;
}

/** An error from opening the interface, in the technician's words, with what to do. */
export function usbOpenError(target: UsbBulkTarget, err: unknown): FgpError {
  const where = describeUsbTarget(target);
  const described = describeUsbError(err, target);
  switch (described.code) {
    case 'access':
      return new FgpError(
        'permission_denied',
        `Permission denied on ${where}`,
        { udevRule: udevRuleFor(target.vendorId) },
        `Add a udev rule: put ${udevRuleFor(target.vendorId)} into /etc/udev/rules.d/70-fieldline.rules, run "sudo udevadm control --reload-rules && sudo udevadm trigger", then unplug and replug the gateway.`,
      );
    case 'busy':
      return new FgpError(
        'port_busy',
        `${where}: interface ${target.interfaceNumber} is claimed by another program or a kernel driver`,
        undefined,
        'Close the other program (a flash tool, another Fieldline window) and try again.',
      );
    case 'gone':
      return new FgpError('device_gone', `${where} is not there: ${described.message}`, undefined, 'Check the cable and plug it in again.');
    default:
      return new FgpError('usb_failed', `${where}: ${described.message}`, undefined, described.fix);
  }
}

/** Opens the device's FGP interface as a byte stream. */
export async function openUsbBulk(opener: UsbBulkOpener, target: UsbBulkTarget, options: UsbBulkOptions = {}): Promise<UsbBulkStream> {
  let pipe: UsbBulkPipe;
  try {
    pipe = await opener.openBulk(target);
  } catch (err) {
    throw usbOpenError(target, err);
  }
  return new UsbBulkStream(pipe, target, options);
}

export class UsbBulkStream extends Duplex {
  readonly description: string;
  private readonly opts: typeof DEFAULTS;
  private readonly transferIn: number;
  private readonly transferOut: number;
  private stopping = false;
  private wantMore = true;
  private resumeRead: (() => void) | null = null;
  private readLoop: Promise<void> | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** Counters for diagnostics and tests: transfers and zero-length packets each way. */
  readonly stats = { transfersIn: 0, transfersOut: 0, zlpIn: 0, zlpOut: 0, idleTimeouts: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    private readonly bulk: UsbBulkPipe,
    private readonly target: UsbBulkTarget,
    options: UsbBulkOptions = {},
  ) {
    super({ allowHalfOpen: false, readableHighWaterMark: 256 * 1024, writableHighWaterMark: 256 * 1024 });
    this.opts = { ...DEFAULTS, ...options };
    this.description = describeUsbTarget(target);
    this.transferIn = Math.max(bulk.packetSizeIn, Math.floor(this.opts.maxTransfer / bulk.packetSizeIn) * bulk.packetSizeIn);
    this.transferOut = Math.max(bulk.packetSizeOut, Math.floor(this.opts.maxTransfer / bulk.packetSizeOut) * bulk.packetSizeOut);
  }

  override _read(): void {
    this.wantMore = true;
    if (this.resumeRead) {
      const resume = this.resumeRead;
      this.resumeRead = null;
      resume();
    }
    this.readLoop ??= this.runReadLoop();
  }

  private async runReadLoop(): Promise<void> {
    const packet = this.bulk.packetSizeIn;
    let midWrite = false;
    while (!this.stopping) {
      if (!this.wantMore) {
        await new Promise<void>((resolve) => (this.resumeRead = resolve));
        continue;
      }
      const length = midWrite ? this.transferIn : packet;
      let result;
      try {
        result = await this.bulk.transferIn(length, midWrite ? this.opts.streamTimeoutMs : this.opts.pollTimeoutMs);
      } catch (err) {
        if (!this.stopping) this.destroy(await this.transferError('in', err));
        return;
      }
      if (this.stopping) return;
      if (result.kind === 'timeout') {
        if (!midWrite) {
          this.stats.idleTimeouts++;
          continue;
        }
        this.destroy(
          new FgpError(
            'usb_desync',
            `${this.description} stopped in the middle of a write for ${this.opts.streamTimeoutMs} ms; bytes already sent were lost`,
            undefined,
            'The gateway agent must end every write with a short or zero-length packet. Reconnect; if it happens again, update the agent.',
          ),
        );
        return;
      }
      const data = result.data;
      this.stats.transfersIn++;
      this.stats.bytesIn += data.length;
      if (data.length === 0) this.stats.zlpIn++;
      // Whole packets only: the device's write is not finished (or a zero-length packet follows).
      midWrite = data.length > 0 && data.length % packet === 0;
      if (data.length > 0 && !this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) this.wantMore = false;
    }
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const bytes = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this.writing = this.writeAll(bytes).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  private async writeAll(bytes: Uint8Array): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += this.transferOut) {
      await this.sendOne(bytes.subarray(offset, Math.min(bytes.length, offset + this.transferOut)));
    }
    if (bytes.length % this.bulk.packetSizeOut === 0) {
      this.stats.zlpOut++;
      await this.sendOne(new Uint8Array(0));
    }
  }

  private async sendOne(data: Uint8Array): Promise<void> {
    if (this.stopping) throw new FgpError('connection_closed', `${this.description} is closed`);
    let result;
    try {
      result = await this.bulk.transferOut(data, this.opts.writeTimeoutMs);
    } catch (err) {
      throw await this.transferError('out', err);
    }
    if (result.kind === 'timeout') {
      throw new FgpError(
        'usb_write_timeout',
        `${this.description} accepted no data for ${this.opts.writeTimeoutMs} ms`,
        undefined,
        'The gateway agent is not reading its USB interface. Check that it is running; power-cycle the gateway if it hangs.',
      );
    }
    if (result.written !== data.length) {
      throw new FgpError('usb_failed', `${this.description} took ${result.written} of ${data.length} bytes of one transfer`);
    }
    this.stats.transfersOut++;
    this.stats.bytesOut += data.length;
  }

  /** A transfer failed: say what it means, and clear a halted endpoint so the next session works. */
  private async transferError(direction: 'in' | 'out', err: unknown): Promise<FgpError> {
    const endpoint = hex2(direction === 'in' ? this.target.endpointIn : this.target.endpointOut);
    const code = classifyUsbError(err);
    if (code === 'stall') {
      const cleared = await this.bulk.clearHalt(direction).then(
        () => 'the halt was cleared',
        (e: Error) => `clearing the halt failed too (${e.message})`,
      );
      return new FgpError(
        'usb_stall',
        `${this.description} stalled ${direction.toUpperCase()} endpoint ${endpoint} (the gateway refused the transfer); ${cleared}`,
        { endpoint: direction === 'in' ? this.target.endpointIn : this.target.endpointOut },
        'Reconnect. If it stalls again, restart the gateway agent or power-cycle the gateway.',
      );
    }
    if (code === 'gone') {
      return new FgpError('device_gone', `${this.description} was unplugged or reset`, undefined, 'Check the cable and plug it in again.');
    }
    if (code === 'access') return usbOpenError(this.target, err);
    const raw = err instanceof Error ? err.message : String(err);
    return new FgpError(
      'usb_failed',
      `${this.description}: transfer on endpoint ${endpoint} failed: ${raw}`,
      undefined,
      'Unplug and replug the gateway.',
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.writing.then(
      () => callback(),
      () => callback(),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopping = true;
    if (this.resumeRead) {
      const resume = this.resumeRead;
      this.resumeRead = null;
      resume();
    }
    // The pending transfers end by their own timeout; the interface is released after them, so
    // the next session can claim it at once.
    const settled = Promise.allSettled([this.readLoop ?? Promise.resolve(), this.writing]);
    void settled.then(() => this.bulk.close()).then(() => callback(error));
  }
}
