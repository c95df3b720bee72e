/**
 * An adapter that replays recorded USB buses (test/fixtures/usb/*.json).
 *
 * A recording holds descriptor sets transcribed from real devices, the raw errors opening them
 * gave, and attach/detach sequences. Raw errors go through the same mapping as live ones. A
 * recording may also carry the serial port listing and the sysfs reads of the same moment, so
 * linking works on the replayed bus, and a watched recording (FIELDLINE_USB_REPLAY) is diffed on
 * every change into attach/detach events: that is how a customer's bus is replayed to support,
 * and how tests plug and unplug.
 */
import { watch as watchDir, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import type { UsbAdapter, UsbDeviceInfo, UsbHotplugEvent, UsbListResult } from './adapter.js';
import { recordedSysfs, type ListedSerialPort, type SysfsReader } from './link.js';
import { describeUsbError, type UsbAccessError } from './usb-errors.js';

const byte = z.number().int().min(0).max(255);
const usbId = z.string().regex(/^[0-9a-f]{4}$/);

const endpoint = z
  .object({ address: byte, type: z.enum(['bulk', 'interrupt', 'isochronous', 'control']), packetSize: z.number().int().positive() })
  .strict();
const iface = z
  .object({
    number: byte,
    alternate: byte,
    class: byte,
    subclass: byte,
    protocol: byte,
    name: z.string().optional(),
    endpoints: z.array(endpoint),
  })
  .strict();
export const recordedDevice = z
  .object({
    busPath: z.string().regex(/^\d+-\d+(\.\d+)*$/, 'a bus path looks like "1-2.4"'),
    vendorId: usbId,
    productId: usbId,
    deviceClass: byte,
    manufacturer: z.string().optional(),
    product: z.string().optional(),
    serial: z.string().optional(),
    interfaces: z.array(iface),
  })
  .strict();
const rawError = z.object({ code: z.string().optional(), errno: z.number().int().optional(), message: z.string() }).strict();
const event = z.discriminatedUnion('type', [
  z.object({ type: z.literal('attach'), device: recordedDevice }).strict(),
  z.object({ type: z.literal('detach'), busPath: z.string() }).strict(),
]);

const listedPort = z
  .object({
    path: z.string().min(1, 'a serial port needs its path'),
    vendorId: z.string().optional(),
    productId: z.string().optional(),
    serialNumber: z.string().optional(),
    pnpId: z.string().optional(),
    manufacturer: z.string().optional(),
  })
  .strict();
/** The two sysfs reads linking needs, as `recordedSysfs` takes them. */
const sysfsTree = z
  .object({ dirs: z.record(z.string(), z.array(z.string())).default({}), links: z.record(z.string(), z.string()).default({}) })
  .strict();

export const usbRecording = z
  .object({
    source: z.string().min(1, 'say where the recording came from'),
    description: z.string().optional(),
    devices: z.array(recordedDevice).default([]),
    /** Raw errors opening (or claiming an interface of) a device, by bus path. */
    access: z.record(z.string(), rawError).default({}),
    events: z.array(event).default([]),
    /** Set when listing itself failed on the recorded machine. */
    listError: z.string().optional(),
    /** `SerialPort.list()` at the same moment, so ttys link to their USB device. */
    serialPorts: z.array(listedPort).optional(),
    /** /sys/class/{tty,net} at the same moment. */
    sysfs: sysfsTree.optional(),
  })
  .strict();

export type UsbRecording = z.infer<typeof usbRecording>;

/** Parses a recording; the error names the field and says what is wrong with it. */
export function parseUsbRecording(text: string, label: string): UsbRecording {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${label}: not valid JSON: ${(err as Error).message}`);
  }
  const parsed = usbRecording.safeParse(json);
  if (!parsed.success) throw new Error(`${label}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function readUsbRecording(file: string): UsbRecording {
  return parseUsbRecording(readFileSync(file, 'utf8'), file);
}

type RawError = z.infer<typeof rawError>;

/** The bus as a set of recordings describes it, merged in order. */
interface BusState {
  readonly present: Map<string, UsbDeviceInfo>;
  readonly access: Map<string, RawError>;
  readonly listError: string | undefined;
  readonly serialPorts: ListedSerialPort[];
  readonly dirs: Record<string, string[]>;
  readonly links: Record<string, string>;
}

function busState(recordings: readonly UsbRecording[]): BusState {
  const state: BusState = {
    present: new Map(),
    access: new Map(),
    listError: recordings.find((r) => r.listError)?.listError,
    serialPorts: [],
    dirs: {},
    links: {},
  };
  for (const r of recordings) {
    for (const d of r.devices) state.present.set(d.busPath, d);
    for (const [busPath, err] of Object.entries(r.access)) state.access.set(busPath, err);
    state.serialPorts.push(...(r.serialPorts ?? []));
    for (const [dir, names] of Object.entries(r.sysfs?.dirs ?? {})) state.dirs[dir] = [...new Set([...(state.dirs[dir] ?? []), ...names])];
    Object.assign(state.links, r.sysfs?.links ?? {});
  }
  return state;
}

export class ReplayUsbAdapter implements UsbAdapter {
  private state: BusState;
  private readonly events: UsbHotplugEvent[] = [];
  private readonly listeners = new Set<(event: UsbHotplugEvent) => void>();
  /** Hot-plug events from reloads go out one at a time, in order. */
  private delivering: Promise<void> = Promise.resolve();
  private file: { readonly path: string; watcher: FSWatcher | null; lastText: string | null; error: string | null } | null = null;

  constructor(recordings: readonly UsbRecording[]) {
    this.state = busState(recordings);
    for (const r of recordings) this.events.push(...r.events);
  }

  static fromFiles(files: readonly string[]): ReplayUsbAdapter {
    return new ReplayUsbAdapter(files.map(readUsbRecording));
  }

  /**
   * A bus replayed from one recording that is read again whenever it changes, while anyone
   * watches. A file that cannot be read or parsed leaves the bus as it was and says why in
   * `loadError` (at start: listing fails with that reason).
   */
  static watchingFile(path: string): ReplayUsbAdapter {
    const adapter = new ReplayUsbAdapter([]);
    adapter.file = { path, watcher: null, lastText: null, error: null };
    adapter.reload();
    return adapter;
  }

  /** Why the watched recording could not be (re)loaded, if it could not. */
  get loadError(): string | null {
    return this.file?.error ?? null;
  }

  /** The recorded `SerialPort.list()`. */
  serialPorts(): ListedSerialPort[] {
    return this.state.serialPorts.map((p) => ({ ...p }));
  }

  /** The recorded sysfs; reads follow reloads. */
  sysfs(): SysfsReader {
    return {
      list: (dir) => recordedSysfs(this.state).list(dir),
      resolve: (path) => recordedSysfs(this.state).resolve(path),
    };
  }

  /**
   * Replaces the bus with what the recordings describe; devices that left are detached and new
   * (or changed) ones attached, as a real bus would report them. Resolves once delivered.
   */
  load(recordings: readonly UsbRecording[]): Promise<void> {
    const next = busState(recordings);
    const before = this.state.present;
    const events: UsbHotplugEvent[] = [];
    for (const [busPath, d] of before) {
      const now = next.present.get(busPath);
      if (!now || JSON.stringify(now) !== JSON.stringify(d)) events.push({ type: 'detach', busPath });
    }
    for (const [busPath, d] of next.present) {
      const was = before.get(busPath);
      if (!was || JSON.stringify(was) !== JSON.stringify(d)) events.push({ type: 'attach', device: d });
    }
    this.state = next;
    this.delivering = this.delivering.then(() => this.deliver(events));
    return this.delivering;
  }

  /** Reads the watched file again; unchanged text does nothing. */
  reload(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    let text: string;
    try {
      text = readFileSync(file.path, 'utf8');
    } catch (err) {
      file.error = `cannot read the USB replay file ${file.path}: ${(err as Error).message}`;
      return this.delivering;
    }
    if (text === file.lastText) return this.delivering;
    let recording: UsbRecording;
    try {
      recording = parseUsbRecording(text, `USB replay file ${file.path}`);
    } catch (err) {
      file.error = (err as Error).message;
      return this.delivering;
    }
    file.lastText = text;
    file.error = null;
    return this.load([recording]);
  }

  private async deliver(events: readonly UsbHotplugEvent[]): Promise<void> {
    for (const e of events) {
      for (const l of this.listeners) l(e);
      await new Promise((r) => setImmediate(r));
    }
  }

  private startFileWatch(): void {
    const file = this.file;
    if (!file || file.watcher) return;
    // The directory, not the file: editors and tests replace the file by renaming over it.
    const name = basename(file.path);
    file.watcher = watchDir(dirname(file.path), (_type, changed) => {
      if (changed === null || changed === name) void this.reload();
    });
    file.watcher.on('error', () => undefined);
    // A change between reading at start and watching now is not lost.
    void this.reload();
  }

  private stopFileWatch(): void {
    if (this.file?.watcher && this.listeners.size === 0) {
      this.file.watcher.close();
      this.file.watcher = null;
    }
  }

  async list(): Promise<UsbListResult> {
    if (this.file?.error && this.file.lastText === null) return { ok: false, reason: this.file.error };
    if (this.state.listError) return { ok: false, reason: `no USB access on this machine: ${this.state.listError}` };
    return { ok: true, devices: [...this.state.present.values()] };
  }

  async checkAccess(device: UsbDeviceInfo): Promise<UsbAccessError | null> {
    if (!this.state.present.has(device.busPath)) return describeUsbError({ code: 'LIBUSB_ERROR_NO_DEVICE', message: 'gone' }, device);
    const err = this.state.access.get(device.busPath);
    return err ? describeUsbError(err, device) : null;
  }

  async watch(listener: (event: UsbHotplugEvent) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    this.startFileWatch();
    return async () => {
      this.listeners.delete(listener);
      this.stopFileWatch();
    };
  }

  /** Plays the recorded attach/detach sequence, in order, to every watcher. */
  async replayEvents(): Promise<void> {
    for (const e of this.events.splice(0)) {
      if (e.type === 'attach') this.state.present.set(e.device.busPath, e.device);
      else this.state.present.delete(e.busPath);
      for (const l of this.listeners) l(e);
      // Let async handlers (access checks) run between events, as on a real bus.
      await new Promise((r) => setImmediate(r));
    }
  }
}
