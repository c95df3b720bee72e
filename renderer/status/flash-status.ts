/**
 * The status bar's word on running flash jobs: "Flashing 2 gateways · 45 %". Pure, unit-tested.
 *
 * The percentage is an estimate of the work done across the gateways still in progress: the
 * transfer is most of the time a flash takes, so it weighs 80 %, the steps after it (verify,
 * install, activate, health, confirm) share the rest, the one under way counting half. It never shows 100 % while anything runs.
 */
import type { FlashJob, FlashTarget } from '../../core/api/schemas.js';

export interface FlashStatus {
  /** Gateways pending or running in running jobs. */
  readonly gateways: number;
  readonly jobs: number;
  readonly percent: number;
  readonly label: string;
  /** The one running job, so a click can open its progress; null when several run. */
  readonly jobId: string | null;
}

const AFTER_TRANSFER = ['verify', 'install', 'activate', 'health', 'confirm'] as const;
const TRANSFER_WEIGHT = 0.8;

/** How far one gateway is, 0..1. */
export function targetFraction(t: Pick<FlashTarget, 'state' | 'step' | 'bytesSent' | 'bytesTotal'>): number {
  if (t.state === 'pending' || t.step === 'preflight') return 0;
  if (t.step === 'done') return 1;
  const bytes = t.bytesTotal > 0 ? Math.min(1, t.bytesSent / t.bytesTotal) : 0;
  if (t.step === 'transfer') return TRANSFER_WEIGHT * bytes;
  const after = (AFTER_TRANSFER as readonly string[]).indexOf(t.step);
  // A step under way counts half; a rollback is the end of the road for this gateway.
  const steps = after < 0 ? AFTER_TRANSFER.length : after + 0.5;
  return TRANSFER_WEIGHT + ((1 - TRANSFER_WEIGHT) * steps) / AFTER_TRANSFER.length;
}

export function flashStatus(jobs: readonly FlashJob[]): FlashStatus | null {
  const busy = (t: FlashTarget): boolean => t.state === 'pending' || t.state === 'running';
  const running = jobs.filter((j) => j.state === 'running' && j.targets.some(busy));
  const active = running.flatMap((j) => j.targets.filter(busy));
  if (active.length === 0) return null;
  const mean = active.reduce((sum, t) => sum + targetFraction(t), 0) / active.length;
  const percent = Math.min(99, Math.floor(mean * 100));
  const gateways = active.length;
  const label = `Flashing ${gateways} gateway${gateways === 1 ? '' : 's'}${running.length > 1 ? ` in ${running.length} jobs` : ''} · ${percent} %`;
  return { gateways, jobs: running.length, percent, label, jobId: running.length === 1 ? running[0]!.id : null };
}
