/**
 * "12 s ago"-style times for live lists. Pure, so the unit tests can pin every boundary.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago `then` was, seen from `now` (both milliseconds since the epoch). */
export function relativeTime(now: number, then: number): string {
  const age = now - then;
  // A clock that moved backwards or a device slightly ahead of us is still "just now".
  if (age < 5_000) return 'just now';
  if (age < MINUTE) return `${Math.floor(age / 1000)} s ago`;
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min ago`;
  if (age < DAY) return `${Math.floor(age / HOUR)} h ago`;
  return `${Math.floor(age / DAY)} d ago`;
}

/** A full local date and time for tooltips and exports. */
export function absoluteTime(then: number): string {
  return new Date(then).toLocaleString();
}
