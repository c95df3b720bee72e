/**
 * The device descriptor `hello` answers, built from the state directory.
 */
import type { WireDescriptor } from '../core/protocol/handshake.js';
import { fromHex, type Ed25519Identity } from '../core/protocol/identity.js';
import type { GuardSnapshot } from './bundle-state.js';
import { firmwareVersion, type DeviceFile } from './state-schema.js';

/** Methods that are part of every session and so say nothing about what the device can do. */
const SESSION_METHODS = new Set(['hello', 'auth.challenge', 'auth.respond']);

export function buildDescriptor(
  identity: Ed25519Identity,
  device: DeviceFile,
  protocol: number,
  maxFrame: number,
  methods: readonly string[],
  guard: GuardSnapshot | null = null,
): WireDescriptor {
  const capabilities = [...new Set([...methods.filter((m) => !SESSION_METHODS.has(m)), ...device.capabilities])];
  return {
    protocol,
    id: identity.id,
    publicKey: new Uint8Array(identity.publicKey),
    name: device.name,
    vendor: device.vendor,
    model: device.model,
    hardwareRevision: device.hardwareRevision,
    serial: device.serial,
    firmware: { version: firmwareVersion(device), activeSlot: device.activeSlot },
    slots: device.slots.map((s) => ({ name: s.name, version: s.version, state: s.state })),
    models: device.models.map((m) => ({ name: m.name, version: m.version, sha256: new Uint8Array(fromHex(m.sha256)) })),
    accelerators: device.accelerators.map((a) => ({ kind: a.kind, name: a.name })),
    capabilities,
    maxFrame,
    ...guardFields(guard),
  };
}

/**
 * What the gateway tells the laptop about its rollback state, so the laptop can warn before
 * sending a bundle the gateway would refuse. Only kinds ever installed are listed; without a
 * readable guard nothing is claimed (the gateway still refuses on its own).
 */
function guardFields(guard: GuardSnapshot | null): Pick<WireDescriptor, 'securityCounters' | 'trustedTime'> {
  if (guard === null) return {};
  const counters: NonNullable<WireDescriptor['securityCounters']> = {};
  for (const [kind, entry] of Object.entries(guard.file.counters)) if (entry) counters[kind as keyof typeof counters] = entry.counter;
  return { securityCounters: counters, ...(guard.trustedTimeFloor === null ? {} : { trustedTime: guard.trustedTimeFloor }) };
}
