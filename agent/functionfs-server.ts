/**
 * FGP on a USB FunctionFS vendor interface: the gateway side of the USB bulk transport
 * (docs/protocol.md §2.3).
 *
 * A configfs gadget with an `ffs.<name>` function exposes a FunctionFS mount: the agent writes
 * the interface's descriptors and strings to ep0, the kernel then creates ep1 (bulk IN, the
 * first endpoint described) and ep2 (bulk OUT), and the gadget can be bound to its UDC. Every
 * write to ep1 ends with a short packet (a zero-length one after a whole number of packets), so
 * the host's read ends. Reads on ep2 complete on the host's short packet.
 *
 * FGP is served natively on the endpoints, with a fast link's frame limit: each time the host
 * enables the function (configures the device) a new session starts, and DISABLE or UNBIND on
 * ep0 ends it. The port itself lives as long as the process: an emulated reboot only detaches
 * the services from it (the descriptors cannot be written twice), and attaching again resumes.
 *
 * Endpoint files do not poll, so reads and writes block in libuv's thread pool: one read on ep0
 * and one on ep2 are always outstanding, writes on ep1 one at a time. A blocked read cannot be
 * cancelled; on close it is left to end with the process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import type { FgpPeer } from '../core/protocol/peer.js';
import type { TransportInfo } from './agent-context.js';
import { streamPeer, type StreamPeerOptions } from './stream-peer.js';

const DESCRIPTORS_MAGIC_V2 = 3;
const STRINGS_MAGIC = 2;
const HAS_FS_DESC = 1;
const HAS_HS_DESC = 2;
/** Full speed allows 64-byte bulk packets, high speed 512; a multiple of 512 is one of 64. */
const FULL_SPEED_PACKET = 64;
const HIGH_SPEED_PACKET = 512;
/** One kernel buffer per request (kmalloc): large enough for a host transfer, small enough to get. */
const READ_SIZE = 64 * 1024;
const WRITE_PIECE = 64 * 1024;
/** Bytes that arrived before the ENABLE event was read are kept for the session it starts. */
const MAX_HELD = 1024 * 1024;
/** sizeof(struct usb_functionfs_event): an 8-byte setup packet, the type, 3 bytes of padding. */
export const FUNCTIONFS_EVENT_SIZE = 12;

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

/** enum usb_functionfs_event_type, in the kernel's order. */
const EVENT_TYPES = ['bind', 'unbind', 'enable', 'disable', 'setup', 'suspend', 'resume'] as const;
export type FunctionFsEventType = (typeof EVENT_TYPES)[number];

export interface SetupPacket {
  readonly requestType: number;
  readonly request: number;
  readonly value: number;
  readonly index: number;
  readonly length: number;
}

export type FunctionFsEvent =
  { readonly type: Exclude<FunctionFsEventType, 'setup'> } | { readonly type: 'setup'; readonly setup: SetupPacket };

/** Parses what one read of ep0 returned: whole events, or the reason it is not. */
export function parseFunctionFsEvents(bytes: Uint8Array): FunctionFsEvent[] {
  if (bytes.length % FUNCTIONFS_EVENT_SIZE !== 0)
    throw new Error(`ep0 returned ${bytes.length} bytes, not a whole number of ${FUNCTIONFS_EVENT_SIZE}-byte FunctionFS events`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const events: FunctionFsEvent[] = [];
  for (let at = 0; at < view.length; at += FUNCTIONFS_EVENT_SIZE) {
    const code = view[at + 8]!;
    const type = EVENT_TYPES[code];
    if (type === undefined)
      throw new Error(
        `ep0 event ${at / FUNCTIONFS_EVENT_SIZE} has type ${code}, which is no FunctionFS event (0 to ${EVENT_TYPES.length - 1})`,
      );
    if (type === 'setup') {
      const setup = {
        requestType: view[at]!,
        request: view[at + 1]!,
        value: view.readUInt16LE(at + 2),
        index: view.readUInt16LE(at + 4),
        length: view.readUInt16LE(at + 6),
      };
      events.push({ type, setup });
    } else events.push({ type });
  }
  return events;
}

/** What an ep0 event means for the FGP session: this interface answers no control requests. */
export type FunctionFsAction = 'start' | 'end' | 'stall-in' | 'stall-out' | 'none';

export function actionFor(event: FunctionFsEvent): FunctionFsAction {
  switch (event.type) {
    case 'enable':
      return 'start';
    case 'disable':
    case 'unbind':
      return 'end';
    case 'setup':
      // A read stalls a device-to-host request, a write a host-to-device one (f_fs.c).
      return event.setup.requestType & 0x80 ? 'stall-in' : 'stall-out';
    default:
      return 'none';
  }
}

const read = promisify(fs.read);
const write = promisify(fs.write);
const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? '';
}

function describeIoError(what: string, err: unknown): Error {
  const code = errno(err);
  if (code === 'ESHUTDOWN') return new Error(`${what}: the host disabled the USB function (unplugged, reset or reconfigured)`);
  return new Error(`${what}: ${(err as Error).message}`);
}

/** One session's byte stream: data from ep2 is pushed in by the port, writes go to ep1. */
class FunctionFsSession extends Duplex {
  private resumeWaiter: (() => void) | null = null;

  constructor(private readonly writeIn: (bytes: Buffer) => Promise<void>) {
    super({ allowHalfOpen: false, readableHighWaterMark: 256 * 1024, writableHighWaterMark: 256 * 1024 });
  }

  /** Resolves when the reader should go on: the consumer wants more, or the session ended. */
  wantsMore(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    return new Promise((resolve) => (this.resumeWaiter = resolve));
  }

  private wakeReader(): void {
    const waiter = this.resumeWaiter;
    this.resumeWaiter = null;
    waiter?.();
  }

  override _read(): void {
    this.wakeReader();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    // Responses written together leave in one transfer (and at most one zero-length packet).
    const bytes = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this.writeIn(bytes).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.wakeReader();
    callback(error);
  }
}

export interface FunctionFsPort {
  readonly dir: string;
  /**
   * Serves each session (from an ENABLE, or at once if the function is enabled) with `serve`,
   * until the returned detach is called, which ends the current session.
   */
  attach(serve: (stream: Duplex) => void): () => void;
  /** Sessions started since the port opened. */
  sessions(): number;
  close(): Promise<void>;
}

/**
 * Writes descriptors and strings to `dir`/ep0, opens ep1/ep2 and starts reading ep0's events.
 * The gadget can be bound to its UDC once this resolves (the kernel refuses to bind a FunctionFS
 * function without descriptors).
 */
export async function openFunctionFsPort(
  dir: string,
  log: (message: string) => void = () => {},
  interfaceName = 'Fieldline FGP',
): Promise<FunctionFsPort> {
  const fds: number[] = [];
  let ep0: number;
  let epIn: number;
  let epOut: number;
  try {
    ep0 = await openFd(path.join(dir, 'ep0'), 'r+');
    fds.push(ep0);
    await write(ep0, functionFsDescriptors());
    await write(ep0, functionFsStrings(interfaceName));
    epIn = await openFd(path.join(dir, 'ep1'), 'w');
    fds.push(epIn);
    epOut = await openFd(path.join(dir, 'ep2'), 'r');
    fds.push(epOut);
  } catch (err) {
    await Promise.allSettled(fds.map((fd) => closeFd(fd)));
    throw new Error(`cannot set up FunctionFS at ${dir}: ${(err as Error).message}`);
  }

  let stopped = false;
  let enabled = false;
  let serve: ((stream: Duplex) => void) | null = null;
  let current: FunctionFsSession | null = null;
  let started = 0;
  let held: Buffer[] = [];
  let heldBytes = 0;
  /** Writes to ep1 one after another, across sessions: the kernel serialises them anyway. */
  let writing: Promise<void> = Promise.resolve();

  const writeIn = (bytes: Buffer): Promise<void> => {
    const run = async (): Promise<void> => {
      for (let offset = 0; offset < bytes.length; offset += WRITE_PIECE) {
        const piece = bytes.subarray(offset, Math.min(bytes.length, offset + WRITE_PIECE));
        for (let done = 0; done < piece.length;) {
          const { bytesWritten } = await write(epIn, piece, done, piece.length - done, null);
          done += bytesWritten;
        }
      }
      if (needsZeroLengthPacket(bytes.length)) await write(epIn, Buffer.alloc(0), 0, 0, null);
    };
    const next = writing.then(run, run);
    writing = next.catch(() => undefined);
    return next.catch((err: unknown) => {
      throw describeIoError(`usb ${dir} ep1`, err);
    });
  };

  const endSession = (reason: string): void => {
    const session = current;
    current = null;
    if (!session) return;
    log(`usb ${dir}: session ended (${reason})`);
    session.destroy();
  };

  const startSession = (): FunctionFsSession | null => {
    if (!serve || stopped) return null;
    endSession('a new session started');
    const session = new FunctionFsSession(writeIn);
    current = session;
    started++;
    session.once('close', () => {
      if (current === session) current = null;
    });
    serve(session);
    for (const chunk of held) session.push(chunk);
    held = [];
    heldBytes = 0;
    return session;
  };

  const stall = async (direction: 'in' | 'out'): Promise<void> => {
    try {
      if (direction === 'in') await read(ep0, Buffer.alloc(0), 0, 0, null);
      else await write(ep0, Buffer.alloc(0), 0, 0, null);
    } catch (err) {
      // EL2HLT is how f_fs.c reports a stall it made; anything else is worth a line.
      if (errno(err) !== 'EL2HLT') log(`usb ${dir}: stalling a control request failed: ${(err as Error).message}`);
    }
  };

  const readEvents = async (): Promise<void> => {
    const buffer = Buffer.alloc(FUNCTIONFS_EVENT_SIZE * 8);
    while (!stopped) {
      let n: number;
      try {
        ({ bytesRead: n } = await read(ep0, buffer, 0, buffer.length, null));
      } catch (err) {
        if (stopped) return;
        if (errno(err) === 'EBADF' || errno(err) === 'ENODEV') {
          log(`usb ${dir}: ep0 is gone (${(err as Error).message}); no more sessions`);
          endSession('the function went away');
          return;
        }
        log(`usb ${dir}: reading ep0 failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (n === 0) {
        // ep0 blocks until there is an event; an empty read means this is no FunctionFS mount.
        log(`usb ${dir}: ep0 reached its end; no more sessions`);
        endSession('the function went away');
        return;
      }
      let events: FunctionFsEvent[];
      try {
        events = parseFunctionFsEvents(buffer.subarray(0, n));
      } catch (err) {
        log(`usb ${dir}: ${(err as Error).message}`);
        continue;
      }
      for (const event of events) {
        switch (actionFor(event)) {
          case 'start':
            enabled = true;
            startSession();
            break;
          case 'end':
            enabled = false;
            endSession(`the host ${event.type === 'unbind' ? 'unbound' : 'disabled'} the function`);
            break;
          case 'stall-in':
            await stall('in');
            break;
          case 'stall-out':
            await stall('out');
            break;
          case 'none':
            break;
        }
      }
    }
  };

  const readData = async (): Promise<void> => {
    const buffer = Buffer.alloc(READ_SIZE);
    while (!stopped) {
      const during = current;
      let n: number;
      try {
        ({ bytesRead: n } = await read(epOut, buffer, 0, READ_SIZE, null));
      } catch (err) {
        if (stopped) return;
        if (errno(err) === 'EBADF' || errno(err) === 'ENODEV') return;
        // ESHUTDOWN: disabled under the read. The next read waits until it is enabled again.
        if (during && current === during) endSession(describeIoError('ep2', err).message);
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      // A zero-length packet ends a host write that filled whole packets: no bytes, go on.
      if (n === 0 || stopped) continue;
      const data = Buffer.from(buffer.subarray(0, n));
      const session = current ?? (enabled ? startSession() : null);
      if (session) {
        if (!session.push(data)) await session.wantsMore();
      } else if (serve) {
        // The data beat the ENABLE event to us: keep it for the session that event starts.
        held.push(data);
        heldBytes += n;
        while (heldBytes > MAX_HELD) heldBytes -= held.shift()!.length;
      }
    }
  };

  void readEvents();
  void readData();

  return {
    dir,
    attach(fn) {
      serve = fn;
      if (enabled) startSession();
      return () => {
        if (serve === fn) serve = null;
        endSession('the agent stopped serving');
        held = [];
        heldBytes = 0;
      };
    },
    sessions: () => started,
    async close() {
      stopped = true;
      serve = null;
      endSession('the agent stopped');
      // Reads still blocked in the kernel keep their files until they return.
      await Promise.allSettled(fds.map((fd) => closeFd(fd)));
    },
  };
}

/** Ports opened by the command line, found by path when the services start (after each boot). */
const ports = new Map<string, FunctionFsPort>();

export function registerFunctionFsPort(port: FunctionFsPort): () => void {
  ports.set(port.dir, port);
  return () => {
    if (ports.get(port.dir) === port) ports.delete(port.dir);
  };
}

export function functionFsPortAt(dir: string): FunctionFsPort | null {
  return ports.get(dir) ?? null;
}

export interface FunctionFsServerOptions extends StreamPeerOptions {
  readonly maxFrame: number;
  /** Releasing the interface on the host tells the gadget nothing: an idle session forgets its technician. */
  readonly idleResetMs: number;
}

export interface FunctionFsServer {
  readonly dir: string;
  /** Frames dropped since these services started (bad CRC, garbage, too large). */
  readonly droppedFrames: () => number;
  close(): Promise<void>;
}

/** Serves FGP on `port`: one FgpPeer per session, until close() (which leaves the port open). */
export function startFunctionFsServer(port: FunctionFsPort, options: FunctionFsServerOptions): FunctionFsServer {
  const remote = `usb ${port.dir}`;
  // A fast link (1 MiB frames, TCP's window): only a slow serial line keeps 4 chunks in flight.
  const transport: TransportInfo = {
    kind: 'usb',
    maxFrame: options.maxFrame,
    initialMaxFrame: options.initialMaxFrame,
    remote,
    idleResetMs: options.idleResetMs,
  };
  let dropped = 0;
  let peer: FgpPeer | null = null;
  const detach = port.attach((stream) => {
    options.log.info(`${remote}: the host enabled the function; serving FGP`);
    const current = streamPeer(stream, transport, options, () => dropped++);
    peer = current;
    current.once('close', () => {
      if (peer === current) peer = null;
      // A wrapped stream (fault injection) may close without ending the port's session.
      stream.destroy();
    });
  });
  return {
    dir: port.dir,
    droppedFrames: () => dropped,
    async close(): Promise<void> {
      detach();
      peer?.close();
      peer = null;
    },
  };
}
