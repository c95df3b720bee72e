/**
 * Stored benchmark runs side by side: one column per run, each figure with its difference
 * against the first run ("+12 %"), which runs may be compared at all (the same model file) and
 * which settings differ ("threads 2 vs 4").
 *
 * Pure and dependency-free (types and the duration formatter only), so the Benchmark view and
 * `fieldline bench compare` print the very same table.
 */
import { formatDuration } from './format-duration.js';
import type { BenchRun } from './schemas.js';

/** A run as the comparison needs it: bench.list's rows (no samples). */
export type ComparedRun = Pick<
  BenchRun,
  'id' | 'deviceId' | 'deviceName' | 'hardwareClass' | 'model' | 'settings' | 'run' | 'stats' | 'verdict' | 'createdAt'
>;

export interface CompareMetric {
  readonly key: 'p50' | 'p90' | 'p99' | 'p999' | 'mean' | 'stdDev' | 'throughput' | 'cv' | 'outliers';
  readonly label: string;
  /** Whether a smaller figure is the better one (latencies), or a larger one (throughput). */
  readonly lowerIsBetter: boolean;
  readonly value: (run: ComparedRun) => number;
  readonly format: (value: number) => string;
}

const pct = (ratio: number): string => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '—');
const perSec = (v: number): string => (Number.isFinite(v) ? `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} inferences/s` : '—');

/** The statistics compared, in the order of the single run's statistics table. */
export const COMPARE_METRICS: readonly CompareMetric[] = [
  { key: 'p50', label: 'p50 (median)', lowerIsBetter: true, value: (r) => r.stats.p50, format: formatDuration },
  { key: 'p90', label: 'p90', lowerIsBetter: true, value: (r) => r.stats.p90, format: formatDuration },
  { key: 'p99', label: 'p99', lowerIsBetter: true, value: (r) => r.stats.p99, format: formatDuration },
  { key: 'p999', label: 'p99.9', lowerIsBetter: true, value: (r) => r.stats.p999, format: formatDuration },
  { key: 'mean', label: 'Mean', lowerIsBetter: true, value: (r) => r.stats.mean, format: formatDuration },
  { key: 'stdDev', label: 'Standard deviation', lowerIsBetter: true, value: (r) => r.stats.stdDev, format: formatDuration },
  { key: 'throughput', label: 'Throughput', lowerIsBetter: false, value: (r) => r.stats.throughputPerSec, format: perSec },
  { key: 'cv', label: 'Coefficient of variation', lowerIsBetter: true, value: (r) => r.stats.cv, format: pct },
  {
    key: 'outliers',
    label: 'Outliers (share of samples)',
    lowerIsBetter: true,
    value: (r) => (r.stats.count === 0 ? 0 : r.stats.outliers / r.stats.count),
    format: pct,
  },
];

/** (value − base) / base; null when there is no meaningful base (zero, not finite). */
export function relativeDelta(base: number, value: number): number | null {
  if (!Number.isFinite(base) || !Number.isFinite(value) || base === 0) return null;
  return (value - base) / base;
}

/** "+12 %", "−3.4 %", "±0 %": one decimal below 10 %, whole percent above. */
export function formatDelta(ratio: number | null): string {
  if (ratio === null) return '—';
  const p = ratio * 100;
  const text = Math.abs(p) < 10 ? Math.abs(p).toFixed(1) : Math.abs(p).toFixed(0);
  if (Number(text) === 0) return '±0 %';
  return `${p > 0 ? '+' : '−'}${text} %`;
}

export type Comparability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Two runs compare when they ran the very same model file (its SHA-256), on any gateway. */
export function comparability(reference: ComparedRun, other: ComparedRun): Comparability {
  if (other.model.sha256 === reference.model.sha256) return { ok: true };
  const same = other.model.name === reference.model.name && other.model.version === reference.model.version;
  return {
    ok: false,
    reason: same
      ? `another model file under the same name (sha256 ${other.model.sha256.slice(0, 12)}… vs ${reference.model.sha256.slice(0, 12)}…)`
      : `another model (${other.model.name} ${other.model.version})`,
  };
}

/** One setting as a run used it, written for a sentence: "threads 4", "duration 5.0 s". */
function settingsFacts(r: ComparedRun): ReadonlyMap<string, string> {
  const s = r.settings;
  return new Map([
    ['warm-up', String(s.warmup)],
    ['length', s.iterations === null ? `${((s.durationMs ?? 0) / 1000).toFixed(1)} s` : `${s.iterations} iterations`],
    ['threads', s.threads === null ? 'auto' : String(s.threads)],
    // What the gateway really used, not only what was asked.
    ['provider', r.run.executionProvider],
    ['profiling', s.profile === true ? 'on' : 'off'],
  ]);
}

/** What differs between two runs' settings: ["threads 2 vs 4", "provider cpu vs cuda"]; empty when alike. */
export function settingsDifferences(reference: ComparedRun, other: ComparedRun): readonly string[] {
  const a = settingsFacts(reference);
  const b = settingsFacts(other);
  const out: string[] = [];
  for (const [name, value] of a) {
    const theirs = b.get(name);
    // The count of timed inferences changes the precision of the tail, not what is measured.
    if (theirs !== undefined && theirs !== value && name !== 'warm-up') out.push(`${name} ${value} vs ${theirs}`);
  }
  return out;
}

/** "warm-up 10 · 200 iterations · threads auto · cpu" */
export function settingsSummary(r: ComparedRun): string {
  const f = settingsFacts(r);
  return [
    `warm-up ${f.get('warm-up')}`,
    f.get('length'),
    `threads ${f.get('threads')}`,
    f.get('provider'),
    ...(f.get('profiling') === 'on' ? ['profiled'] : []),
  ].join(' · ');
}

export interface CompareCell {
  readonly value: number;
  readonly text: string;
  /** Against the first run; null in the first column and when the base is zero. */
  readonly delta: number | null;
  /** "+12 %"; null in the first column. */
  readonly deltaText: string | null;
  /** Whether this run does better than the first on this figure; null when equal or the first. */
  readonly better: boolean | null;
}

export interface CompareRow {
  readonly key: CompareMetric['key'];
  readonly label: string;
  readonly cells: readonly CompareCell[];
}

export interface CompareColumn {
  readonly id: string;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly hardwareClass: string;
  readonly model: string;
  readonly modelSha256: string;
  readonly settings: string;
  readonly samples: number;
  readonly cancelled: boolean;
  readonly verdict: BenchRun['verdict'];
  readonly createdAt: number;
  /** "settings differ: threads 2 vs 4", "cancelled after 37 inferences"; none for the first run. */
  readonly flags: readonly string[];
}

export interface Comparison {
  readonly columns: readonly CompareColumn[];
  readonly rows: readonly CompareRow[];
  /** Runs left out because they ran another model file, with the reason. */
  readonly excluded: readonly { readonly id: string; readonly reason: string }[];
}

/**
 * The first run is the reference; every other run of the same model file gets a column with
 * its figures and their difference against the reference. Runs of another model are left out
 * (listed in `excluded`): their latencies measure something else.
 */
export function compareRuns(runs: readonly ComparedRun[]): Comparison {
  const reference = runs[0];
  if (reference === undefined) return { columns: [], rows: [], excluded: [] };
  const kept: ComparedRun[] = [];
  const excluded: { id: string; reason: string }[] = [];
  for (const r of runs) {
    const c = comparability(reference, r);
    if (c.ok) kept.push(r);
    else excluded.push({ id: r.id, reason: c.reason });
  }
  const columns = kept.map((r, i): CompareColumn => {
    const flags: string[] = [];
    if (i > 0) {
      const diff = settingsDifferences(reference, r);
      if (diff.length > 0) flags.push(`settings differ: ${diff.join(', ')}`);
    }
    if (r.run.cancelled) flags.push(`cancelled after ${r.stats.count} inferences`);
    return {
      id: r.id,
      deviceId: r.deviceId,
      deviceName: r.deviceName,
      hardwareClass: r.hardwareClass,
      model: `${r.model.name} ${r.model.version}`,
      modelSha256: r.model.sha256,
      settings: settingsSummary(r),
      samples: r.stats.count,
      cancelled: r.run.cancelled,
      verdict: r.verdict,
      createdAt: r.createdAt,
      flags,
    };
  });
  const rows = COMPARE_METRICS.map((m): CompareRow => {
    const base = m.value(reference);
    return {
      key: m.key,
      label: m.label,
      cells: kept.map((r, i): CompareCell => {
        const value = m.value(r);
        if (i === 0) return { value, text: m.format(value), delta: null, deltaText: null, better: null };
        const delta = relativeDelta(base, value);
        const better = delta === null || delta === 0 ? null : m.lowerIsBetter ? delta < 0 : delta > 0;
        return { value, text: m.format(value), delta, deltaText: formatDelta(delta), better };
      }),
    };
  });
  return { columns, rows, excluded };
}

/** For a picker: whether a run may join the chosen ones (the first chosen sets the model). */
export function compareChoice(chosen: readonly ComparedRun[], candidate: ComparedRun): Comparability {
  const reference = chosen[0];
  if (reference === undefined || reference.id === candidate.id) return { ok: true };
  return comparability(reference, candidate);
}
