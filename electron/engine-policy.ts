/**
 * When the engine process dies: restart it (after how long), or give up; which flash jobs the
 * restarted engine resumes; what the page is told. Pure, so the policy is tested without Electron.
 *
 * Crash-loop guard: a crash counts against every job the crashed engine had resumed by itself.
 * A job whose resume has taken the engine down twice is no longer resumed automatically; it stays
 * `interrupted` for the technician to retry by hand.
 */
import type { EngineStatus } from '../core/api/schemas.js';

export const BACKOFF_MS = [250, 1000, 2000, 5000, 10_000, 15_000] as const;
/** An engine that stayed up this long has recovered; its next crash starts the backoff again. */
export const HEALTHY_AFTER_MS = 30_000;
/** Consecutive failures before the host stops restarting and tells the UI why. */
export const MAX_FAILURES = 6;
/** Crashes while a job was being resumed before that job is left for the technician. */
export const MAX_RESUME_CRASHES = 2;

export interface EnginePolicy {
  /** Consecutive failures (reset once an engine stayed up HEALTHY_AFTER_MS). */
  readonly failures: number;
  /** Restarts after a crash since the app started. */
  readonly restarts: number;
  /** Per job: crashes of an engine that had resumed it. */
  readonly resumeCrashes: Readonly<Record<string, number>>;
  /** Jobs the running engine resumed by itself. */
  readonly resumedByCurrent: readonly string[];
  readonly status: EngineStatus;
}

export type ExitDecision = { readonly kind: 'restart'; readonly delayMs: number; readonly attempt: number } | { readonly kind: 'give-up' };

export function initialPolicy(): EnginePolicy {
  return {
    failures: 0,
    restarts: 0,
    resumeCrashes: {},
    resumedByCurrent: [],
    status: { state: 'running', reason: null, restarts: 0, resumedJobs: 0 },
  };
}

/** The engine exited without being asked to, after `ranForMs`, for `reason`. */
export function engineExited(
  policy: EnginePolicy,
  exit: { readonly ranForMs: number; readonly reason: string },
): { readonly policy: EnginePolicy; readonly decision: ExitDecision } {
  const failures = (exit.ranForMs >= HEALTHY_AFTER_MS ? 0 : policy.failures) + 1;
  const resumeCrashes = { ...policy.resumeCrashes };
  for (const job of policy.resumedByCurrent) resumeCrashes[job] = (resumeCrashes[job] ?? 0) + 1;
  const base = { ...policy, failures, resumeCrashes, resumedByCurrent: [] };
  if (failures > MAX_FAILURES) {
    return {
      policy: { ...base, status: { state: 'failed', reason: exit.reason, restarts: policy.restarts, resumedJobs: 0 } },
      decision: { kind: 'give-up' },
    };
  }
  const restarts = policy.restarts + 1;
  return {
    policy: { ...base, restarts, status: { state: 'restarting', reason: exit.reason, restarts, resumedJobs: 0 } },
    decision: { kind: 'restart', delayMs: BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)]!, attempt: failures },
  };
}

/** The engine reported ready: after a crash it should resume its interrupted jobs, minus `skip`. */
export function engineReady(policy: EnginePolicy): { readonly policy: EnginePolicy; readonly resume: { readonly skip: string[] } | null } {
  const afterCrash = policy.restarts > 0 && policy.status.state !== 'running';
  // The page hears "running" only once the resume is done (engineResumed), so it can say how many.
  if (!afterCrash) return { policy: { ...policy, status: { ...policy.status, state: 'running', reason: null } }, resume: null };
  return { policy, resume: { skip: resumeSkipList(policy) } };
}

/** The restarted engine resumed `jobIds` (possibly none); the page can be told it is back. */
export function engineResumed(policy: EnginePolicy, jobIds: readonly string[]): EnginePolicy {
  return {
    ...policy,
    resumedByCurrent: [...jobIds],
    status: { state: 'running', reason: null, restarts: policy.restarts, resumedJobs: jobIds.length },
  };
}

/** Jobs no longer resumed automatically: their resume took the engine down MAX_RESUME_CRASHES times. */
export function resumeSkipList(policy: EnginePolicy): string[] {
  return Object.entries(policy.resumeCrashes)
    .filter(([, crashes]) => crashes >= MAX_RESUME_CRASHES)
    .map(([job]) => job)
    .sort();
}

/** A start by the user (app launch, or after giving up): failures start again from zero. */
export function engineStartedByUser(policy: EnginePolicy): EnginePolicy {
  return { ...policy, failures: 0 };
}
