/**
 * Slows down wrong passphrases without ever locking the owner out: the first three tries are
 * free, then each wrong one doubles the wait before the next is accepted (1 s, 2 s, 4 s … capped
 * at 60 s). A right passphrase resets it. The clock is passed in so tests need not wait.
 */
import { SecretsError } from './secrets-error.js';

const FREE_TRIES = 3;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

export function delayAfter(failures: number): number {
  if (failures < FREE_TRIES) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - FREE_TRIES), MAX_DELAY_MS);
}

export class AttemptThrottle {
  private failures = 0;
  private lastFailureAt = 0;

  constructor(private readonly now: () => number) {}

  get failedAttempts(): number {
    return this.failures;
  }

  /** How long until another try is accepted; 0 now. */
  waitMs(): number {
    return Math.max(0, this.lastFailureAt + delayAfter(this.failures) - this.now());
  }

  /** Throws too_many_attempts while the wait runs. */
  check(): void {
    const wait = this.waitMs();
    if (wait > 0)
      throw new SecretsError(
        'too_many_attempts',
        `${this.failures} wrong passphrases in a row: wait ${Math.ceil(wait / 1000)} s before the next try`,
        'Each wrong try doubles the wait (up to a minute); the right passphrase is always accepted after it.',
        wait,
      );
  }

  fail(): void {
    this.failures++;
    this.lastFailureAt = this.now();
  }

  reset(): void {
    this.failures = 0;
    this.lastFailureAt = 0;
  }
}
