/**
 * FGP on a USB FunctionFS vendor interface: the gateway side of the USB bulk transport
 * (docs/protocol.md §2.3).
 *
 * A configfs gadget with an `ffs.<name>` function exposes a FunctionFS mount: the agent writes
 * the interface's descriptors and strings to ep0, the kernel then creates ep1 (bulk IN, the
 * first endpoint described) and ep2 (bulk OUT), and the gadget can be bound to its UDC. Every
 * write to ep1 is one transfer; one whose length is a whole number of packets is followed by a
 * zero-length write, so the host's read ends. Reads on ep2 complete on the host's short packet.
 *
 * The agent's services serve one serial line; `startFunctionFsRelay` puts the interface in front
 * of it through a socat pty pair, so the same FGP handler answers on USB bulk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Duplex } from 'node:stream';
import type { SerialPort } from 'serialport';
import { closeSerial, openSerial } from '../core/transport/serial.js';

const DESCRIPTORS_MAGIC_V2 = 3;
const STRINGS_MAGIC = 2;
const HAS_FS_DESC = 1;
const HAS_HS_DESC = 2;
/** Full speed allows 64-byte bulk packets, high speed 512; a multiple of 512 is one of 64. */
const FULL_SPEED_PACKET = 64;
const HIGH_SPEED_PACKET = 512;
const READ_SIZE = 16 * 1024;

function interfaceDescriptor(): number[] {
  // bLength, INTERFACE, bInterfaceNumber (renumbered by the composite), alt 0, 2 endpoints,
  // vendor class 0xff/0x00/0x00, iInterface 1 (the first string below).
  return [9, 4, 0, 0, 2, 0xff, 0x00, 0x00, 1];
}

function bulkEndpoint(address: number, packet: number): number[] {
  return [7, 5, address, 0x02, packet & 0xff, packet >> 8, 0];
}

/** The v2 descriptor blob for ep0: one vendor interface, bulk IN 0x81 then bulk OUT 0x02. */
export function functionFsDescriptors(): Uint8Array {
  const speed = (packet: number): number[] => [...interfaceDescriptor(), ...bulkEndpoint(0x81, packet), ...bulkEndpoint(0x02, packet)];
  const fs = speed(FULL_SPEED_PACKET);
  const hs = speed(HIGH_SPEED_PACKET);
  const length = 12 + 8 + fs.length + hs.length;
  const out = Buffer.alloc(length);
  out.writeUInt32LE(DESCRIPTORS_MAGIC_V2, 0);
  out.writeUInt32LE(length, 4);
  out.writeUInt32LE(HAS_FS_DESC | HAS_HS_DESC, 8);
  out.writeUInt32LE(3, 12); // descriptors at full speed
  out.writeUInt32LE(3, 16); // and at high speed
  Buffer.from([...fs, ...hs]).copy(out, 20);
  return new Uint8Array(out);
}

/** The strings blob for ep0: en-US, one string (the interface name). */
export function functionFsStrings(interfaceName: string): Uint8Array {
  const text = Buffer.from(`${interfaceName}\0`, 'utf8');
  const out = Buffer.alloc(16 + 2 + text.length);
  out.writeUInt32LE(STRINGS_MAGIC, 0);
  out.writeUInt32LE(out.length, 4);
  out.writeUInt32LE(1, 8); // strings per language
  out.writeUInt32LE(1, 12); // languages
  out.writeUInt16LE(0x0409, 16);
  text.copy(out, 18);
  return new Uint8Array(out);
}

/** Is `length` a whole number of packets at either speed (so a zero-length packet must follow)? */
export function needsZeroLengthPacket(length: number): boolean {
  return length > 0 && length % FULL_SPEED_PACKET === 0;
}

/**
 * The endpoint pair as a byte stream. Reads and writes block in libuv's thread pool (FunctionFS
 * endpoint files do not poll), so at most one read and one write are outstanding.
 */
class FunctionFsStream extends Duplex {
  private reading = false;
  private stopped = false;

  constructor(
    private readonly epIn: FileHandle,
    private readonly epOut: FileHandle,
  ) {
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    const buffer = Buffer.alloc(READ_SIZE);
    while (!this.stopped) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.epOut.read(buffer, 0, READ_SIZE, null));
      } catch (err) {
        // ESHUTDOWN: the host unconfigured the gadget (unplugged, reset).
        if (!this.stopped) this.destroy(err as Error);
        return;
      }
      if (n > 0 && !this.push(Buffer.from(buffer.subarray(0, n)))) {
        this.reading = false;
        return;
      }
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    void (async () => {
      await this.epIn.write(chunk, 0, chunk.length, null);
      if (needsZeroLengthPacket(chunk.length)) await this.epIn.write(Buffer.alloc(0), 0, 0, null);
    })().then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopped = true;
    // A read blocked in the kernel ends when the function is disabled or the files close.
    void Promise.allSettled([this.epIn.close(), this.epOut.close()]).then(() => callback(error));
  }
}

export interface FunctionFs {
  /** ep0 stays open for as long as the function should exist. */
  readonly ep0: FileHandle;
  readonly stream: Duplex;
  close(): Promise<void>;
}

/**
 * Writes descriptors and strings to `dir`/ep0 and opens ep1/ep2. The gadget can be bound to its
 * UDC once this resolves (the kernel refuses to bind a FunctionFS function without descriptors).
 */
export async function openFunctionFs(dir: string, interfaceName = 'Fieldline FGP'): Promise<FunctionFs> {
  const ep0 = await open(path.join(dir, 'ep0'), 'r+');
  try {
    await ep0.write(functionFsDescriptors());
    await ep0.write(functionFsStrings(interfaceName));
    const epIn = await open(path.join(dir, 'ep1'), 'w');
    const epOut = await open(path.join(dir, 'ep2'), 'r');
    const stream = new FunctionFsStream(epIn, epOut);
    return {
      ep0,
      stream,
      async close(): Promise<void> {
        stream.destroy();
        await ep0.close().catch(() => undefined);
      },
    };
  } catch (err) {
    await ep0.close().catch(() => undefined);
    throw new Error(`cannot set up FunctionFS at ${dir}: ${(err as Error).message}`);
  }
}

export interface FunctionFsRelay {
  close(): Promise<void>;
}

/**
 * Relays the FunctionFS interface at `dir` to the serial line `linePath` (the far end of the pty
 * pair whose near end the agent serves), byte for byte, with backpressure both ways.
 */
export async function startFunctionFsRelay(dir: string, linePath: string, log: (m: string) => void = () => {}): Promise<FunctionFsRelay> {
  const ffs = await openFunctionFs(dir);
  let line: SerialPort;
  try {
    line = await openSerial({ path: linePath, baudRate: 115200 });
  } catch (err) {
    await ffs.close();
    throw err;
  }
  ffs.stream.pipe(line);
  line.pipe(ffs.stream);
  ffs.stream.on('error', (err: Error) => log(`functionfs ${dir}: ${err.message}`));
  return {
    async close(): Promise<void> {
      ffs.stream.unpipe(line);
      line.unpipe(ffs.stream);
      await closeSerial(line);
      await ffs.close();
    },
  };
}
