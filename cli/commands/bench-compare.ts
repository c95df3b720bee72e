/**
 * `fieldline bench compare <run-id> <run-id>…`: stored runs side by side, the same table as the
 * Benchmark view's (core/api/bench-compare.ts), each figure with its difference against the first.
 */
import { parseArgs } from 'node:util';
import { compareRuns, type Comparison } from '../../core/api/bench-compare.js';
import type { BenchRun } from '../../core/api/schemas.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, table } from '../output.js';
import { call } from '../engine-calls.js';
import { openEngine, targetFlags } from './bench-target.js';

export const benchCompareUsage = `fieldline bench compare <run-id> <run-id>… [--json] [--data-dir DIR]
  Stored runs (6+ hex digits of their ids) side by side, from one gateway or several: p50, p90,
  p99, p99.9, mean, standard deviation, throughput, CV and outliers, each with its difference
  against the first run given ("+12 %"), and the settings that differ. The runs must have run
  the same model file (same SHA-256).`;

function resolveRun(runs: readonly BenchRun[], prefix: string): BenchRun {
  if (!/^[0-9a-f]{6,32}$/i.test(prefix)) throw new CliError(`"${prefix}" is not a run id (6 to 32 hex digits)\n${benchCompareUsage}`);
  const matches = runs.filter((r) => r.id.startsWith(prefix.toLowerCase()));
  if (matches.length > 1) throw new CliError(`"${prefix}" matches ${matches.length} benchmark runs; give more digits`);
  const run = matches[0];
  if (run === undefined)
    throw new CliError(
      `there is no stored benchmark run with an id starting ${prefix}`,
      'Runs are listed in the Benchmark view and by `fieldline bench report`; check --data-dir.',
      'unknown_bench_run',
      1,
    );
  return run;
}

/** The comparison as a text table: one column per run, the figure and its difference below. */
export function formatComparison(c: Comparison): string {
  const headers = ['', ...c.columns.map((col, i) => `${col.deviceName} ${col.id.slice(0, 8)}${i === 0 ? ' (reference)' : ''}`)];
  const rows: string[][] = [
    ['hardware class', ...c.columns.map((col) => col.hardwareClass)],
    ['measured', ...c.columns.map((col) => new Date(col.createdAt).toISOString().replace('T', ' ').slice(0, 19))],
    ['settings', ...c.columns.map((col) => col.settings)],
    ['timed inferences', ...c.columns.map((col) => String(col.samples))],
    ...c.rows.map((r) => [r.label, ...r.cells.map((cell) => (cell.deltaText === null ? cell.text : `${cell.text} (${cell.deltaText})`))]),
    ['verdict', ...c.columns.map((col) => col.verdict)],
  ];
  const notes = c.columns.flatMap((col) => col.flags.map((f) => `run ${col.id.slice(0, 8)} on ${col.deviceName}: ${f}`));
  return [table(headers, rows), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export async function runBenchCompare(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length < 2) throw new CliError(`bench compare needs two or more run ids\n${benchCompareUsage}`);
  const engine = await openEngine(targetFlags(values, defaultDataDir()));
  try {
    const all = await call<BenchRun[]>(engine, 'bench.list');
    const chosen = positionals.map((p) => resolveRun(all, p));
    const ids = new Set(chosen.map((r) => r.id));
    if (ids.size !== chosen.length) throw new CliError('a run is given twice; give each run once');
    const comparison = compareRuns(chosen);
    const [first] = comparison.excluded;
    if (first !== undefined)
      throw new CliError(
        `run ${first.id.slice(0, 8)} is not comparable with run ${chosen[0]!.id.slice(0, 8)}: ${first.reason}`,
        'Compare runs of the same model file; the first run given sets the model.',
        'runs_not_comparable',
        1,
      );
    if (values.json) printJson(comparison);
    else process.stdout.write(`${formatComparison(comparison)}\n`);
    return 0;
  } finally {
    await engine.close();
  }
}
