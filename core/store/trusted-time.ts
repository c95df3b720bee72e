/**
 * The laptop's trusted-time floor: the newest time Fieldline has evidence of from something other
 * than the laptop clock — the signed `created` time of a bundle that verified, or the trusted
 * time a gateway reported after proving its identity.
 *
 * Expiry is judged against the later of the laptop clock and this floor, so setting the laptop
 * clock back cannot revive an expired bundle; and when the laptop clock is behind the floor, the
 * report says so. The floor only ever moves forward.
 */
import type { Db } from './database.js';

const KEY = 'trusted_time_floor';

export interface TrustedTimeFloor {
  /** ms since the epoch. */
  readonly at: number;
  /** Where it came from, for the clock warning: `bundle "Gateway OS" 1.4.0`, `gateway gw-01 (3fa1…)`. */
  readonly source: string;
  /** The laptop clock when it was recorded. */
  readonly recordedAt: number;
}

function parse(text: string): TrustedTimeFloor | null {
  try {
    const value = JSON.parse(text) as Partial<TrustedTimeFloor>;
    if (typeof value.at !== 'number' || !Number.isSafeInteger(value.at) || value.at < 0) return null;
    return {
      at: value.at,
      source: typeof value.source === 'string' ? value.source : 'an earlier session',
      recordedAt: typeof value.recordedAt === 'number' ? value.recordedAt : value.at,
    };
  } catch {
    return null;
  }
}

export class TrustedTimeStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  floor(): TrustedTimeFloor | null {
    const row = this.db.prepare('SELECT value FROM app_state WHERE key = ?').get(KEY) as { value: string } | undefined;
    // A damaged value is treated as no floor: the clock line then says no trusted time is known.
    return row === undefined ? null : parse(row.value);
  }

  /**
   * Raises the floor to `at` if it is later than the current one; returns whether it moved.
   * Values that are not whole, non-negative milliseconds are ignored rather than stored.
   */
  observe(at: number, source: string): boolean {
    if (!Number.isSafeInteger(at) || at < 0) return false;
    const raise = this.db.transaction((): boolean => {
      const current = this.floor();
      if (current !== null && current.at >= at) return false;
      const value: TrustedTimeFloor = { at, source, recordedAt: this.now() };
      this.db
        .prepare('INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
        .run(KEY, JSON.stringify(value));
      return true;
    });
    return raise();
  }
}
