/**
 * Benchmark and diagnosis figures as the technician reads them: every figure with its unit.
 *
 * Pure (no DOM) so the unit tests run it under Node.
 */
import type { BenchVerdict, DiagnosisVerdictShape, LatencyStatsShape } from '../../core/api/schemas.js';

/** A latency in µs, switching to ms or s where µs would be many digits. */
export function formatLatency(us: number): string {
  if (!Number.isFinite(us)) return '—';
  const abs = Math.abs(us);
  if (abs >= 1_000_000) return `${(us / 1_000_000).toFixed(2)} s`;
  if (abs >= 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (abs >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  return `${us.toFixed(1)} µs`;
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
