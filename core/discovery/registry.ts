/**
 * The device registry: every gateway seen, merged by device id over all the paths it was seen on.
 *
 * Pure logic with the clock passed in, so merge, lost and re-appear rules are unit-tested without
 * sockets or timers. A device that stops answering becomes `lost`; it is never dropped, because a
 * technician needs to see that the gateway they were working on went away.
 */
import { EventEmitter } from 'node:events';
import type { Device, DeviceChange, DeviceDescriptor, DevicePath, DeviceUsb } from '../api/schemas.js';

/** One observation of a gateway on one path (an mDNS answer, a UDP reply, a serial hello). */
export interface Sighting {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  readonly path: DevicePath;
  /** Milliseconds since the epoch, from the caller's clock. */
  readonly at: number;
  /** What the USB bus says about the device (only the USB lane sets it). */
  readonly usb?: DeviceUsb | undefined;
}

export type SightResult = { readonly kind: 'appeared' | 'updated' | 'unchanged' } | { readonly kind: 'rejected'; readonly reason: string };

export interface RegistryOptions {
  /** A device not seen for this long is marked lost at the next sweep. */
  readonly lostAfterMs?: number;
}

export const DEFAULT_LOST_AFTER_MS = 16_000;

const DEVICE_ID = /^[0-9a-f]{64}$/;

interface PathEntry {
  readonly path: DevicePath;
  lastSeen: number;
}

interface Entry {
  readonly id: string;
  name: string;
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
  /** Time of the sighting the fields above came from, so an older sighting never overwrites them. */
  fieldsAt: number;
  readonly paths: Map<string, PathEntry>;
  state: Device['state'];
  readonly firstSeen: number;
  lastSeen: number;
  descriptor: DeviceDescriptor | undefined;
  authenticated: boolean;
  usb: DeviceUsb | undefined;
}

/**
 * Canonical key of a path: two sightings over the same endpoint by the same method are one path.
 *
 * `via` is part of the key on purpose: a device heard over mDNS and over UDP shows both, which is
 * what "why not found" and the transport badges need.
 */
export function pathKey(path: DevicePath): string {
  switch (path.transport) {
    case 'tcp':
      return JSON.stringify(['tcp', path.host, path.port, path.tls, path.via, path.iface ?? '']);
    case 'serial':
      return JSON.stringify(['serial', path.path, path.baudRate, path.via]);
    case 'usb':
      // The port and ids say where the cable is; the FGP interface is a detail of the same path.
      return JSON.stringify(['usb', path.busPath, path.vendorId, path.productId, path.serial ?? '']);
  }
}

function snapshot(entry: Entry): Device {
  const device: Device = {
    id: entry.id,
    name: entry.name,
    vendor: entry.vendor,
    model: entry.model,
    serial: entry.serial,
    firmware: entry.firmware,
    paths: [...entry.paths.values()].map((p) => ({ ...p.path })),
    state: entry.state,
    firstSeen: entry.firstSeen,
    lastSeen: entry.lastSeen,
    authenticated: entry.authenticated,
  };
  if (entry.descriptor) device.descriptor = entry.descriptor;
  if (entry.usb) device.usb = structuredClone(entry.usb);
  return device;
}

export class DeviceRegistry extends EventEmitter<{ change: [DeviceChange] }> {
  private readonly devices = new Map<string, Entry>();
  readonly lostAfterMs: number;

  constructor(options: RegistryOptions = {}) {
    super();
    this.lostAfterMs = options.lostAfterMs ?? DEFAULT_LOST_AFTER_MS;
  }

  sight(s: Sighting): SightResult {
    if (!DEVICE_ID.test(s.id)) return { kind: 'rejected', reason: `device id "${s.id.slice(0, 80)}" is not 64 lowercase hex digits` };
    if (!Number.isFinite(s.at)) return { kind: 'rejected', reason: 'sighting time is not a finite number' };
    const key = pathKey(s.path);
    const existing = this.devices.get(s.id);
    if (!existing) {
      const entry: Entry = {
        id: s.id,
        name: s.name,
        vendor: s.vendor,
        model: s.model,
        serial: s.serial,
        firmware: s.firmware,
        fieldsAt: s.at,
        paths: new Map([[key, { path: { ...s.path }, lastSeen: s.at }]]),
        state: 'online',
        firstSeen: s.at,
        lastSeen: s.at,
        descriptor: undefined,
        authenticated: false,
        usb: s.usb ? structuredClone(s.usb) : undefined,
      };
      this.devices.set(s.id, entry);
      this.emitChange('appeared', entry);
      return { kind: 'appeared' };
    }

    let changed = false;
    if (s.at >= existing.fieldsAt) {
      for (const field of ['name', 'vendor', 'model', 'serial', 'firmware'] as const) {
        if (existing[field] !== s[field]) {
          existing[field] = s[field];
          changed = true;
        }
      }
      existing.fieldsAt = s.at;
    }
    const known = existing.paths.get(key);
    if (known) known.lastSeen = Math.max(known.lastSeen, s.at);
    else {
      existing.paths.set(key, { path: { ...s.path }, lastSeen: s.at });
      changed = true;
    }
    existing.lastSeen = Math.max(existing.lastSeen, s.at);
    if (existing.state === 'lost') {
      existing.state = 'online';
      changed = true;
    }
    if (s.usb && JSON.stringify(s.usb) !== JSON.stringify(existing.usb)) {
      existing.usb = structuredClone(s.usb);
      changed = true;
    }
    if (!changed) return { kind: 'unchanged' };
    this.emitChange('updated', existing);
    return { kind: 'updated' };
  }

  /**
   * Marks devices not seen for `lostAfterMs` as lost and forgets stale paths of devices that are
   * still reachable another way. A lost device keeps its last paths (how it was reachable) and
   * manual paths are never forgotten, because the technician typed them.
   */
  sweep(now: number, lostAfterMs: number = this.lostAfterMs): DeviceChange[] {
    const changes: DeviceChange[] = [];
    const cutoff = now - lostAfterMs;
    for (const entry of this.devices.values()) {
      if (entry.state === 'lost') continue;
      if (entry.lastSeen < cutoff) {
        entry.state = 'lost';
        changes.push(this.emitChange('lost', entry));
        continue;
      }
      let pruned = false;
      for (const [key, p] of entry.paths) {
        if (p.lastSeen < cutoff && p.path.via !== 'manual') {
          entry.paths.delete(key);
          pruned = true;
        }
      }
      if (pruned) changes.push(this.emitChange('updated', entry));
    }
    return changes;
  }

  /** Stores the verified `hello` answer; its fields are authoritative over announcements. */
  setDescriptor(id: string, descriptor: DeviceDescriptor): boolean {
    const entry = this.devices.get(id);
    if (!entry || descriptor.id !== id) return false;
    const fields = {
      name: descriptor.name,
      vendor: descriptor.vendor,
      model: descriptor.model,
      serial: descriptor.serial,
      firmware: descriptor.firmware.version,
    };
    let changed = JSON.stringify(entry.descriptor) !== JSON.stringify(descriptor);
    for (const field of ['name', 'vendor', 'model', 'serial', 'firmware'] as const) {
      if (entry[field] !== fields[field]) {
        entry[field] = fields[field];
        changed = true;
      }
    }
    entry.descriptor = descriptor;
    if (changed) this.emitChange('updated', entry);
    return true;
  }

  /**
   * The USB cable of a gateway was pulled (or its agent stopped answering over it): the paths that
   * lived on that cable go. A gateway still reachable another way (its LAN) stays online without
   * them; one that is not goes lost, keeping its last paths and its USB block — marked unplugged
   * when the cable was pulled — so the technician sees where it was.
   */
  detachUsb(
    id: string,
    pathKeys: ReadonlySet<string>,
    how: { readonly unplugged: boolean } = { unplugged: true },
  ): 'updated' | 'lost' | null {
    const entry = this.devices.get(id);
    if (!entry) return null;
    const remaining = [...entry.paths.keys()].filter((k) => !pathKeys.has(k));
    if (remaining.length > 0) {
      for (const key of pathKeys) entry.paths.delete(key);
      entry.usb = undefined;
      this.emitChange('updated', entry);
      return 'updated';
    }
    if (entry.usb && how.unplugged) entry.usb = { ...entry.usb, attached: false };
    entry.state = 'lost';
    this.emitChange('lost', entry);
    return 'lost';
  }

  /** Replaces the USB block of a device without reviving it (a lost gateway whose cable is still in). */
  setUsb(id: string, usb: DeviceUsb | undefined): boolean {
    const entry = this.devices.get(id);
    if (!entry) return false;
    if (JSON.stringify(entry.usb) === JSON.stringify(usb)) return true;
    entry.usb = usb ? structuredClone(usb) : undefined;
    this.emitChange('updated', entry);
    return true;
  }

  /** Forgets a device entirely: only for a USB stand-in, which has no identity worth keeping. */
  remove(id: string): boolean {
    const entry = this.devices.get(id);
    if (!entry) return false;
    this.devices.delete(id);
    this.emitChange('removed', entry);
    return true;
  }

  markAuthenticated(id: string, authenticated = true): boolean {
    const entry = this.devices.get(id);
    if (!entry) return false;
    if (entry.authenticated !== authenticated) {
      entry.authenticated = authenticated;
      this.emitChange('updated', entry);
    }
    return true;
  }

  list(): Device[] {
    return [...this.devices.values()].map(snapshot);
  }

  get(id: string): Device | undefined {
    const entry = this.devices.get(id);
    return entry ? snapshot(entry) : undefined;
  }

  get size(): number {
    return this.devices.size;
  }

  isOnline(id: string): boolean {
    return this.devices.get(id)?.state === 'online';
  }

  countOnline(): number {
    let n = 0;
    for (const entry of this.devices.values()) if (entry.state === 'online') n++;
    return n;
  }

  private emitChange(kind: DeviceChange['kind'], entry: Entry): DeviceChange {
    const change: DeviceChange = { kind, device: snapshot(entry) };
    this.emit('change', change);
    return change;
  }
}
