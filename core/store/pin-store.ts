/**
 * Trust on first use for gateways: the device id first seen for a piece of hardware is pinned.
 *
 * A gateway whose key changes (re-imaged, replaced board, or an impostor answering with its
 * serial number) is refused until a person deliberately forgets the pin.
 */
import type { Db } from './database.js';

export interface HardwareIdentity {
  readonly vendor: string;
  readonly model: string;
  readonly serial: string;
}

export type PinCheck = { ok: true; firstContact: boolean } | { ok: false; pinnedId: string; firstSeen: number };

function keyOf(hw: HardwareIdentity): string {
  return `${hw.vendor}\u0000${hw.model}\u0000${hw.serial}`;
}

export class PinStore {
  constructor(private readonly db: Db) {}

  /** Checks `deviceId` against the pin for `hw`, pinning it on first contact. */
  checkAndPin(hw: HardwareIdentity, deviceId: string, now = Date.now()): PinCheck {
    const row = this.db.prepare('SELECT device_id, first_seen FROM device_pins WHERE hardware = ?').get(keyOf(hw)) as
      { device_id: string; first_seen: number } | undefined;
    if (!row) {
      this.db
        .prepare('INSERT INTO device_pins (hardware, device_id, first_seen, last_seen) VALUES (?, ?, ?, ?)')
        .run(keyOf(hw), deviceId, now, now);
      return { ok: true, firstContact: true };
    }
    if (row.device_id !== deviceId) return { ok: false, pinnedId: row.device_id, firstSeen: row.first_seen };
    this.db.prepare('UPDATE device_pins SET last_seen = ? WHERE hardware = ?').run(now, keyOf(hw));
    return { ok: true, firstContact: false };
  }

  forget(hw: HardwareIdentity): boolean {
    return this.db.prepare('DELETE FROM device_pins WHERE hardware = ?').run(keyOf(hw)).changes > 0;
  }
}
