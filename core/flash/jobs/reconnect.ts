/**
 * Reaching a gateway again after a reboot or a lost link: retry with growing pauses until it
 * answers (and, when asked, until it shows the expected state) or the time budget is spent.
 */
import { errorMessage } from '../flash-error.js';
import { FlashError } from '../flash-error.js';
import type { FlashSession } from './flow-types.js';

/** Answers that waiting will not change: a security verdict, or nothing to connect with. */
const FINAL = new Set(['pin_mismatch', 'identity_mismatch', 'untrusted_key', 'auth_failed', 'unknown_device', 'no_profile', 'no_path']);

export interface ReconnectOptions {
  readonly budgetMs: number;
  readonly backoffMs: readonly number[];
  readonly signal: AbortSignal;
  readonly what: string;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Connects until `ready` accepts the session (it may close it and return false to wait more).
 * A security verdict (pin or identity mismatch) is final: it is thrown at once.
 */
export async function reconnect(
  connect: () => Promise<FlashSession>,
  options: ReconnectOptions,
  ready: (session: FlashSession) => Promise<boolean> = async () => true,
): Promise<FlashSession> {
  const deadline = performance.now() + options.budgetMs;
  let lastError = 'it did not answer';
  for (let attempt = 0; ; attempt++) {
    if (options.signal.aborted) throw new FlashError('cancelled', `cancelled while waiting for ${options.what}`);
    try {
      const session = await connect();
      let ok = false;
      try {
        ok = await ready(session);
      } finally {
        if (!ok) await session.close().catch(() => undefined);
      }
      if (ok) return session;
      lastError = 'it answered, but not yet in the expected state';
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && FINAL.has(code)) throw err;
      lastError = errorMessage(err);
    }
    const pause = options.backoffMs[Math.min(attempt, options.backoffMs.length - 1)] ?? 1000;
    if (performance.now() + pause > deadline)
      throw new FlashError(
        'unreachable',
        `gave up waiting for ${options.what} after ${Math.round(options.budgetMs / 1000)} s: ${lastError}`,
        {
          resumable: true,
          fix: 'Check that the gateway is powered and connected, then retry the job: the transfer resumes where it stopped.',
        },
      );
    await sleep(pause, options.signal);
  }
}
