/**
 * How registry events change the renderer's copy of the device list. Pure and immutable.
 */
import type { Device, DeviceChange } from '../../core/api/schemas.js';

export type DeviceMap = ReadonlyMap<string, Device>;

export function fromList(devices: readonly Device[]): DeviceMap {
  return new Map(devices.map((d) => [d.id, d]));
}

/**
 * Applies one `devices.changed` event.
 *
 * A lost device stays in the map (greyed in the list), as the registry keeps it; a removed one goes. An event older
 * than what we hold — possible when a full reload races an event — is ignored.
 */
export function applyChange(map: DeviceMap, change: DeviceChange): DeviceMap {
  const current = map.get(change.device.id);
  // A USB stand-in replaced by the real gateway, or unplugged before any gateway answered on it.
  if (change.kind === 'removed') {
    if (current === undefined) return map;
    const next = new Map(map);
    next.delete(change.device.id);
    return next;
  }
  if (current !== undefined && current.lastSeen > change.device.lastSeen && change.kind !== 'lost') return map;
  const next = new Map(map);
  next.set(change.device.id, change.device);
  return next;
}
