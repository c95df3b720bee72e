/**
 * Exponential backoff with full jitter: after the n-th consecutive failure wait a uniformly random
 * time in [0, min(cap, base·2^(n-1))]. Full jitter spreads laptops that lost the same receiver at
 * the same moment, so they do not all come back in step when it returns.
 */
export interface BackoffOptions {
  /** First ceiling, ms (default 1 s). */
  readonly baseMs?: number;
  /** Largest ceiling, ms (default 5 min). */
  readonly capMs?: number;
  /** In [0, 1); injectable so tests can pin it. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 1000;
export const DEFAULT_BACKOFF_CAP_MS = 5 * 60 * 1000;

/** The delay before the next attempt after `failures` (≥ 1) consecutive failures. */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const cap = options.capMs ?? DEFAULT_BACKOFF_CAP_MS;
  const random = options.random ?? Math.random;
  // 2^30 is far past any cap; stops the exponent from overflowing to Infinity.
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return Math.floor(random() * ceiling);
}
