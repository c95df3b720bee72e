/**
 * A gateway, as the bundle policy sees it: built from the descriptor its `hello` answered.
 */
import type { DeviceDescriptor } from '../api/schemas.js';
import type { BundleKind, Target } from '../bundle/index.js';

/**
 * The counter is the one the gateway reported for the bundle's kind; a kind it never installed
 * (or an agent too old to report counters) counts as 0, and the gateway still checks for itself.
 */
export function targetOf(descriptor: DeviceDescriptor, kind: BundleKind | null): Target {
  return {
    model: descriptor.model,
    hardwareRevision: descriptor.hardwareRevision,
    securityCounter: kind === null ? 0 : (descriptor.securityCounters?.[kind] ?? 0),
    firmwareVersion: descriptor.firmware.version,
    models: descriptor.models.map((m) => ({ name: m.name, version: m.version })),
  };
}
