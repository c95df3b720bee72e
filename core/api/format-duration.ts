/**
 * One way to write a duration, wherever Fieldline shows one (verdict sentences, statistics
 * tables, chart axes, reports, the CLI): µs below 1 ms, ms below 1 s, s above, three
 * significant digits. Pure and dependency-free, so the renderer may import it (the one runtime
 * import the layer rules allow it from core/).
 */

const UNITS = [
  { limit: 1_000, divisor: 1, unit: 'µs' },
  { limit: 1_000_000, divisor: 1_000, unit: 'ms' },
  { limit: Infinity, divisor: 1_000_000, unit: 's' },
] as const;

/** Three significant digits without exponent notation ("8.10", "81.0", "810", "8100"). */
function threeDigits(v: number): string {
  const abs = Math.abs(v);
  return v.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

/** A duration given in microseconds: "8.10 µs", "812 µs", "1.50 ms", "15.0 ms", "2.50 s"; "—" when not finite. */
export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us === 0) return '0 µs';
  for (const u of UNITS) {
    const text = threeDigits(us / u.divisor);
    // 999.7 µs rounds to "1000": that is 1.00 ms.
    if (Math.abs(Number(text)) * u.divisor < u.limit) return `${text} ${u.unit}`;
  }
  return `${threeDigits(us / 1_000_000)} s`;
}
