/**
 * Judging a benchmark against the bundle's latency baseline for the gateway's hardware class.
 *
 * p50 and p99 are each compared with the baseline allowing `tolerancePct` slower: within it →
 * pass, within twice it → warn, beyond → fail; the verdict is the worse of the two. Being
 * faster than the baseline always passes. Baselines are in milliseconds (manifest), samples and
 * statistics in microseconds.
 */
import { formatDuration } from '../api/format-duration.js';
import type { LatencyBaseline } from '../bundle/manifest.js';
import type { LatencyStats } from './stats.js';

export type Verdict = 'pass' | 'warn' | 'fail' | 'no-baseline';

export interface Judgement {
  readonly verdict: Verdict;
  /** One sentence per figure compared, in words a technician can repeat to support. */
  readonly reasons: readonly string[];
}

/** The baseline a bundle gives for this hardware class (the gateway's model), if any. */
export function baselineFor(baselines: readonly LatencyBaseline[] | undefined, hardwareClass: string): LatencyBaseline | undefined {
  const wanted = hardwareClass.trim().toLowerCase();
  return baselines?.find((b) => b.hardwareClass.trim().toLowerCase() === wanted);
}

const RANK: Readonly<Record<Verdict, number>> = { 'no-baseline': 0, pass: 1, warn: 2, fail: 3 };

function judgeFigure(label: string, measuredUs: number, baselineMs: number, tolerancePct: number): { verdict: Verdict; reason: string } {
  const baselineUs = baselineMs * 1000;
  const allowedUs = baselineUs * (1 + tolerancePct / 100);
  const warnUs = baselineUs * (1 + (2 * tolerancePct) / 100);
  const slower = baselineUs > 0 ? ((measuredUs - baselineUs) / baselineUs) * 100 : measuredUs > 0 ? Infinity : 0;
  const how =
    slower <= 0
      ? `${formatDuration(measuredUs)}, at or faster than the baseline ${formatDuration(baselineUs)}`
      : `${formatDuration(measuredUs)}, ${Number.isFinite(slower) ? `${slower.toFixed(0)}%` : 'infinitely'} slower than the baseline ${formatDuration(baselineUs)}`;
  if (measuredUs <= allowedUs) return { verdict: 'pass', reason: `${label} ${how} (allowed: up to ${tolerancePct}% slower) — OK` };
  if (measuredUs <= warnUs)
    return {
      verdict: 'warn',
      reason: `${label} ${how}: beyond the ${tolerancePct}% allowed but within ${2 * tolerancePct}% — usable, but check for load, heat or power saving on the gateway`,
    };
  return {
    verdict: 'fail',
    reason: `${label} ${how}: more than ${2 * tolerancePct}% slower — this gateway does not run the model as fast as it should (check the execution provider, other processes, thermal throttling)`,
  };
}

export function judge(stats: LatencyStats, baseline: LatencyBaseline | undefined, hardwareClass: string): Judgement {
  if (baseline === undefined)
    return {
      verdict: 'no-baseline',
      reasons: [`the bundle gives no latency baseline for ${hardwareClass || 'this hardware class'}, so the figures cannot be judged`],
    };
  if (baseline.hardwareClass.trim().toLowerCase() !== hardwareClass.trim().toLowerCase())
    return {
      verdict: 'no-baseline',
      reasons: [
        `the baseline is for ${baseline.hardwareClass}, but this gateway is ${hardwareClass}; figures from other hardware are not comparable`,
      ],
    };
  const figures = [
    judgeFigure('median (p50)', stats.p50, baseline.p50Ms, baseline.tolerancePct),
    judgeFigure('p99', stats.p99, baseline.p99Ms, baseline.tolerancePct),
  ];
  const verdict = figures.reduce<Verdict>((worst, f) => (RANK[f.verdict] > RANK[worst] ? f.verdict : worst), 'pass');
  return { verdict, reasons: figures.map((f) => f.reason) };
}
