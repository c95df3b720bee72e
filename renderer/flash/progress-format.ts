/**
 * How a flash target's progress reads: bytes, rate, ETA, the step it is on and what is left,
 * and its final result. Pure (no React, no DOM) so the unit tests pin every case under Node.
 */
import type { FlashJob, FlashRollback, FlashStep, FlashTarget } from '../../core/api/schemas.js';
import { formatSize } from '../bundles/format.js';

/** The steps every gateway goes through, in order; `rollback` replaces `confirm` when it fails late. */
export const MAIN_STEPS = ['preflight', 'transfer', 'verify', 'install', 'activate', 'health', 'confirm'] as const;
export type MainStep = (typeof MAIN_STEPS)[number];

export const STEP_LABELS: Readonly<Record<FlashStep, string>> = {
  preflight: 'Preflight',
  transfer: 'Transfer',
  verify: 'Verify on gateway',
  install: 'Install',
  activate: 'Activate (reboot)',
  health: 'Health check',
  confirm: 'Confirm',
  rollback: 'Roll back',
  done: 'Done',
};

/** What the gateway is doing during each step, for the "now" line. */
const STEP_DOING: Readonly<Record<FlashStep, string>> = {
  preflight: 'Checking the bundle, free space and the link',
  transfer: 'Sending the bundle',
  verify: 'The gateway is checking the hash and signatures',
  install: 'Writing the inactive slot',
  activate: 'Rebooting into the new slot (trial)',
  health: 'Waiting for the health check',
  confirm: 'Making the new slot permanent',
  rollback: 'Putting the previous slot back',
  done: 'Finished',
};

export function isMainStep(step: FlashStep): step is MainStep {
  return (MAIN_STEPS as readonly string[]).includes(step);
}

/** "1.5 MiB/s"; "—" before any rate is known. */
export function formatRate(bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0)) return '—';
  return `${formatSize(bytesPerSecond)}/s`;
}

/** "about 5 s", "about 2 min 05 s", "about 1 h 03 min"; "—" when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.ceil(seconds);
  if (s < 60) return `about ${s} s`;
  if (s < 3600) return `about ${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `about ${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function percent(sent: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((sent / total) * 100)));
}

/** "1.2 MiB of 4.0 MiB (30 %)". */
export function formatBytes(sent: number, total: number): string {
  if (total <= 0) return formatSize(sent);
  return `${formatSize(sent)} of ${formatSize(total)} (${percent(sent, total)} %)`;
}

export type ChipState = 'done' | 'current' | 'failed' | 'todo' | 'skipped' | 'cancelled';
export interface StepChip {
  readonly step: FlashStep;
  readonly label: string;
  readonly state: ChipState;
}

/**
 * One chip per step with where the target stands. `reached` is the last main step the target
 * was seen on (known from the live events); it says where a rollback started.
 */
export function stepChips(target: Pick<FlashTarget, 'step' | 'state' | 'rollback'>, reached: MainStep | null): readonly StepChip[] {
  const chip = (step: FlashStep, state: ChipState): StepChip => ({ step, label: STEP_LABELS[step], state });
  const { step, state } = target;
  if (state === 'skipped') return MAIN_STEPS.map((s) => chip(s, 'skipped'));
  if (state === 'pending') return MAIN_STEPS.map((s) => chip(s, 'todo'));
  if (step === 'done' && state === 'succeeded') return MAIN_STEPS.map((s) => chip(s, 'done'));
  if (step === 'rollback' || (step === 'done' && target.rollback !== null)) {
    // Rolled back after activation: everything up to where it failed happened, confirm never will.
    const failedAt = MAIN_STEPS.indexOf(reached ?? 'health');
    const main = MAIN_STEPS.map((s, i) => chip(s, i < failedAt ? 'done' : i === failedAt ? 'failed' : 'skipped'));
    const rollbackState: ChipState =
      state === 'running' ? 'current' : target.rollback === 'rollback-failed' ? 'failed' : target.rollback === null ? 'todo' : 'done';
    return [...main.filter((c) => c.step !== 'confirm'), chip('rollback', rollbackState)];
  }
  const at = isMainStep(step) ? MAIN_STEPS.indexOf(step) : MAIN_STEPS.indexOf(reached ?? 'preflight');
  const here: ChipState = state === 'running' ? 'current' : state === 'failed' ? 'failed' : state === 'cancelled' ? 'cancelled' : 'current';
  const after: ChipState = state === 'running' ? 'todo' : 'skipped';
  if (state === 'interrupted') return MAIN_STEPS.map((s, i) => chip(s, i < at ? 'done' : i === at ? 'failed' : 'todo'));
  return MAIN_STEPS.map((s, i) => chip(s, i < at ? 'done' : i === at ? here : after));
}

/** "Left: verify, install, activate, health check, confirm" while it runs; null once finished. */
export function stepsLeft(chips: readonly StepChip[]): string | null {
  const left = chips.filter((c) => c.state === 'todo').map((c) => c.label.toLowerCase());
  if (left.length === 0) return null;
  return `Left: ${left.join(', ')}`;
}

export const ROLLBACK_TEXT: Readonly<Record<FlashRollback, string>> = {
  'rolled-back': 'Rolled back: the gateway runs its previous slot again.',
  'rolled-back-by-gateway': 'The gateway rolled itself back and runs its previous slot again.',
  'rollback-failed': 'Rollback failed: the gateway may not be running a known slot. Keep it powered and connected, and retry.',
};

export type Tone = 'ok' | 'error' | 'warn' | 'busy' | 'muted';

export interface TargetStatus {
  readonly tone: Tone;
  /** The "now" line: the current step in words, or the final result. */
  readonly headline: string;
  /** The reason on failure (sentence) and its code; null otherwise. */
  readonly reason: { readonly code: string; readonly message: string } | null;
  readonly rollback: string | null;
}

export function targetStatus(target: FlashTarget): TargetStatus {
  const rollback = target.rollback === null ? null : ROLLBACK_TEXT[target.rollback];
  const versions =
    target.toVersion === null ? '' : target.fromVersion === null ? ` ${target.toVersion}` : ` ${target.fromVersion} → ${target.toVersion}`;
  switch (target.state) {
    case 'pending':
      return { tone: 'muted', headline: 'Waiting for a free slot in the job', reason: null, rollback };
    case 'running':
      return { tone: 'busy', headline: `${STEP_LABELS[target.step]}: ${STEP_DOING[target.step]}`, reason: null, rollback };
    case 'succeeded':
      return { tone: 'ok', headline: `Succeeded:${versions || ' flashed'} is running and confirmed`, reason: null, rollback };
    case 'failed':
      return {
        tone: 'error',
        headline: `Failed at ${STEP_LABELS[target.step].toLowerCase()}`,
        reason: target.error,
        rollback,
      };
    case 'skipped':
      return { tone: 'muted', headline: 'Skipped: not compatible', reason: target.error, rollback };
    case 'cancelled':
      return { tone: 'warn', headline: `Cancelled at ${STEP_LABELS[target.step].toLowerCase()}`, reason: target.error, rollback };
    case 'interrupted':
      return {
        tone: 'warn',
        headline: `Interrupted at ${STEP_LABELS[target.step].toLowerCase()}; retry resumes from the bytes the gateway holds`,
        reason: target.error,
        rollback,
      };
  }
}

export function canCancel(target: Pick<FlashTarget, 'state'>): boolean {
  return target.state === 'pending' || target.state === 'running';
}

export function canRetry(target: Pick<FlashTarget, 'state'>): boolean {
  return target.state === 'failed' || target.state === 'cancelled' || target.state === 'interrupted';
}

export interface JobTally {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly running: number;
  readonly waiting: number;
  readonly skipped: number;
  readonly cancelled: number;
  readonly interrupted: number;
  /** The longest ETA of the transfers running now, in seconds; null when none is known. */
  readonly etaSeconds: number | null;
  /** "1 of 2 succeeded · 1 running · transfer about 12 s left". */
  readonly text: string;
}

export function jobTally(job: Pick<FlashJob, 'targets'>): JobTally {
  const count = (state: FlashTarget['state']): number => job.targets.filter((t) => t.state === state).length;
  let eta: number | null = null;
  for (const t of job.targets)
    // Only a transfer under way has a meaningful ETA; later steps keep the last figure.
    if (t.state === 'running' && t.step === 'transfer' && t.etaSeconds !== null) eta = Math.max(eta ?? 0, t.etaSeconds);
  const tally = {
    total: job.targets.length,
    succeeded: count('succeeded'),
    failed: count('failed'),
    running: count('running'),
    waiting: count('pending'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
    interrupted: count('interrupted'),
    etaSeconds: eta,
  };
  const parts = [`${tally.succeeded} of ${tally.total} succeeded`];
  for (const [n, word] of [
    [tally.failed, 'failed'],
    [tally.running, 'running'],
    [tally.waiting, 'waiting'],
    [tally.skipped, 'skipped'],
    [tally.cancelled, 'cancelled'],
    [tally.interrupted, 'interrupted'],
  ] as const)
    if (n > 0) parts.push(`${n} ${word}`);
  if (eta !== null) parts.push(`transfer ${formatEta(eta)} left`);
  return { ...tally, text: parts.join(' · ') };
}
