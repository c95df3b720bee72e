/**
 * Benchmark and diagnosis figures as the technician reads them: every figure with its unit.
 *
 * Pure (no DOM) so the unit tests run it under Node.
 */
import { formatDuration } from '../../core/api/format-duration.js';
import type { BenchSettings, BenchVerdict, DiagnosisVerdictShape, LatencyStatsShape } from '../../core/api/schemas.js';

/** A latency given in µs, written as everywhere else in Fieldline (core/api/format-duration.ts). */
export const formatLatency = formatDuration;

/** "warm-up 10 · iterations 200 · threads auto", with a duration, provider and profile when the run had them. */
export function settingsText(s: BenchSettings): string {
  return [
    `warm-up ${s.warmup}`,
    s.iterations === null ? `duration ${((s.durationMs ?? 0) / 1000).toFixed(1)} s` : `iterations ${s.iterations}`,
    `threads ${s.threads ?? 'auto'}`,
    ...(s.executionProvider === undefined ? [] : [`provider ${s.executionProvider}`]),
    ...(s.profile === true ? ['profiled'] : []),
  ].join(' · ');
}

/** Under a clipped histogram: "3 samples above 1.20 ms not shown". */
export function clippedNote(hidden: number, clipAtUs: number): string {
  return `${hidden} sample${hidden === 1 ? '' : 's'} above ${formatLatency(clipAtUs)} not shown`;
}

export function formatThroughput(perSec: number): string {
  if (!Number.isFinite(perSec)) return '—';
  return `${perSec >= 100 ? perSec.toFixed(0) : perSec.toFixed(1)} inferences/s`;
}

export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '—';
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/**
 * Errors from diagnostics: tiny numbers in scientific notation, null (not finite) as a dash; six
 * significant digits so a cosine of 0.99999 never reads as a perfect 1.
 */
export function formatError(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  return Math.abs(value) < 0.001 || Math.abs(value) >= 10_000 ? value.toExponential(2) : String(Number(value.toPrecision(6)));
}

export interface StatRow {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

/** The statistics table, in the order a technician compares runs. */
export function statRows(stats: LatencyStatsShape): readonly StatRow[] {
  return [
    { key: 'p50', label: 'p50 (median)', value: formatLatency(stats.p50) },
    { key: 'p90', label: 'p90', value: formatLatency(stats.p90) },
    { key: 'p99', label: 'p99', value: formatLatency(stats.p99) },
    { key: 'p999', label: 'p99.9', value: formatLatency(stats.p999) },
    { key: 'mean', label: 'Mean', value: formatLatency(stats.mean) },
    { key: 'stdDev', label: 'Standard deviation', value: formatLatency(stats.stdDev) },
    { key: 'min', label: 'Minimum', value: formatLatency(stats.min) },
    { key: 'max', label: 'Maximum', value: formatLatency(stats.max) },
    { key: 'throughput', label: 'Throughput', value: formatThroughput(stats.throughputPerSec) },
    { key: 'cv', label: 'Coefficient of variation', value: formatPercent(stats.cv) },
    {
      key: 'outliers',
      label: 'Outliers',
      value: `${stats.outliers} of ${stats.count} samples (${formatPercent(stats.count === 0 ? 0 : stats.outliers / stats.count)})`,
    },
  ];
}

export const VERDICT_TEXT: Readonly<Record<BenchVerdict, string>> = {
  pass: 'Pass — within the baseline',
  warn: 'Warning — close to the baseline limit',
  fail: 'Fail — slower than the baseline allows',
  'no-baseline': 'No baseline for this hardware — figures recorded, not judged',
};

export const DIAGNOSIS_TEXT: Readonly<Record<DiagnosisVerdictShape, string>> = {
  pass: 'Pass — the gateway computes what the bundle expects',
  'wrong-model': 'Fail — the model on the gateway is not the one in the bundle',
  drift: 'Fail — consistent drift beyond tolerance',
  'load-failed': 'Fail — the model does not load on the gateway',
  'not-installed': 'The model is not installed on the gateway',
  error: 'The diagnosis could not be completed',
};

/** "3 of 200 iterations" while running; "warming up" before the gateway says how many. */
export function progressText(done: number, total: number | null): string {
  if (total === null || total === 0) return `${done} inferences done`;
  return `${done} of ${total} inferences (${Math.floor((Math.min(done, total) / total) * 100)} %)`;
}

export function progressRatio(done: number, total: number | null): number | null {
  if (total === null || total === 0) return null;
  return Math.max(0, Math.min(1, done / total));
}

export interface ProfileRow {
  readonly op: string;
  readonly name: string;
  readonly count: number;
  readonly totalUs: number;
  readonly perCallUs: number;
  /** Share of the profile's whole time, 0…1. */
  readonly share: number;
}

/** The per-operator profile's top entries by total time, each with its share of the whole. */
export function profileRows(
  profile: readonly { readonly op: string; readonly name: string; readonly totalUs: number; readonly count: number }[],
  limit = 15,
): { readonly rows: readonly ProfileRow[]; readonly totalUs: number; readonly hidden: number } {
  const totalUs = profile.reduce((sum, p) => sum + (Number.isFinite(p.totalUs) ? Math.max(0, p.totalUs) : 0), 0);
  const rows = [...profile]
    .sort((a, b) => b.totalUs - a.totalUs)
    .slice(0, limit)
    .map((p) => ({
      op: p.op,
      name: p.name,
      count: p.count,
      totalUs: p.totalUs,
      perCallUs: p.totalUs / Math.max(1, p.count),
      share: totalUs > 0 ? p.totalUs / totalUs : 0,
    }));
  return { rows, totalUs, hidden: Math.max(0, profile.length - rows.length) };
}
