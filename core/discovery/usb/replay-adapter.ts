/**
 * An adapter that replays recorded USB buses (test/fixtures/usb/*.json).
 *
 * A recording holds descriptor sets transcribed from real devices, the raw errors opening them
 * gave, and attach/detach sequences. Raw errors go through the same mapping as live ones.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { UsbAdapter, UsbDeviceInfo, UsbHotplugEvent, UsbListResult } from './adapter.js';
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
  })
  .strict();

export type UsbRecording = z.infer<typeof usbRecording>;

export function readUsbRecording(file: string): UsbRecording {
  const parsed = usbRecording.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export class ReplayUsbAdapter implements UsbAdapter {
  private readonly present = new Map<string, UsbDeviceInfo>();
  private readonly access = new Map<string, z.infer<typeof rawError>>();
  private readonly events: UsbHotplugEvent[] = [];
  private readonly listError: string | undefined;
  private readonly listeners = new Set<(event: UsbHotplugEvent) => void>();

  constructor(recordings: readonly UsbRecording[]) {
    for (const r of recordings) {
      for (const d of r.devices) this.present.set(d.busPath, d);
      for (const [busPath, err] of Object.entries(r.access)) this.access.set(busPath, err);
      this.events.push(...r.events);
    }
    this.listError = recordings.find((r) => r.listError)?.listError;
  }

  static fromFiles(files: readonly string[]): ReplayUsbAdapter {
    return new ReplayUsbAdapter(files.map(readUsbRecording));
  }

  async list(): Promise<UsbListResult> {
    if (this.listError) return { ok: false, reason: `no USB access on this machine: ${this.listError}` };
    return { ok: true, devices: [...this.present.values()] };
  }

  async checkAccess(device: UsbDeviceInfo): Promise<UsbAccessError | null> {
    if (!this.present.has(device.busPath)) return describeUsbError({ code: 'LIBUSB_ERROR_NO_DEVICE', message: 'gone' }, device);
    const err = this.access.get(device.busPath);
    return err ? describeUsbError(err, device) : null;
  }

  async watch(listener: (event: UsbHotplugEvent) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  /** Plays the recorded attach/detach sequence, in order, to every watcher. */
  async replayEvents(): Promise<void> {
    for (const e of this.events.splice(0)) {
      if (e.type === 'attach') this.present.set(e.device.busPath, e.device);
      else this.present.delete(e.busPath);
      for (const l of this.listeners) l(e);
      // Let async handlers (access checks) run between events, as on a real bus.
      await new Promise((r) => setImmediate(r));
    }
  }
}
