/**
 * Conversions from what the wire says to what the registry and the UI hold.
 */
import type { DeviceDescriptor, DevicePath } from '../api/schemas.js';
import type { Announcement } from '../protocol/announce.js';
import type { WireDescriptor } from '../protocol/handshake.js';
import { toHex } from '../protocol/identity.js';
import type { Sighting } from './registry.js';

/** The verified `hello` answer as plain JSON (bytes as hex), without the proof signature. */
export function descriptorFromWire(wire: WireDescriptor): DeviceDescriptor {
  return {
    protocol: wire.protocol,
    id: wire.id,
    publicKey: toHex(wire.publicKey),
    name: wire.name,
    vendor: wire.vendor,
    model: wire.model,
    hardwareRevision: wire.hardwareRevision,
    serial: wire.serial,
    firmware: { version: wire.firmware.version, activeSlot: wire.firmware.activeSlot },
    slots: wire.slots.map((s) => ({ name: s.name, version: s.version, state: s.state })),
    models: wire.models.map((m) => ({ name: m.name, version: m.version, sha256: toHex(m.sha256) })),
    accelerators: wire.accelerators.map((a) => ({ kind: a.kind, name: a.name })),
    capabilities: [...wire.capabilities],
    maxFrame: wire.maxFrame,
    ...(wire.securityCounters === undefined ? {} : { securityCounters: { ...wire.securityCounters } }),
    ...(wire.trustedTime === undefined ? {} : { trustedTime: wire.trustedTime }),
  };
}

export function sightingFromAnnouncement(announcement: Announcement, path: DevicePath, at: number): Sighting {
  return {
    id: announcement.id,
    name: announcement.name,
    vendor: announcement.vendor,
    model: announcement.model,
    serial: announcement.sn,
    firmware: announcement.fw,
    path,
    at,
  };
}

export function sightingFromDescriptor(descriptor: DeviceDescriptor, path: DevicePath, at: number): Sighting {
  return {
    id: descriptor.id,
    name: descriptor.name,
    vendor: descriptor.vendor,
    model: descriptor.model,
    serial: descriptor.serial,
    firmware: descriptor.firmware.version,
    path,
    at,
  };
}
