/**
 * `fieldline bench`: latency of an installed model on a gateway, or of a model on this laptop.
 *
 * On a gateway: `bench.run`, then the raw samples page by page (`bench.samples`), statistics
 * computed here (core/bench/stats.ts) and judged against the baseline of the library bundle
 * that holds the same model file for the gateway's hardware class. `--local` runs the same loop
 * with onnxruntime-node in this process. Exit code 1 when the verdict is fail.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { dispatch } from '../../core/api/dispatch.js';
import { formatDuration } from '../../core/api/format-duration.js';
import type { BenchExport, BenchProgress, BenchRun, BenchRunDetail, Device, OpProfileShape } from '../../core/api/schemas.js';
import { runLocal, MAX_ITERATIONS } from '../../core/bench/local-run.js';
import type { LatencyStats } from '../../core/bench/stats.js';
import type { Engine } from '../../core/engine/engine.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, table } from '../output.js';
import { reportFormat, runStoredReport, writeReportFile } from '../report-file.js';
import { call } from '../engine-calls.js';
import { openEngine, resolveGateway, targetFlags, targetOptionSpec, type TargetFlags } from './bench-target.js';
import { benchCompareUsage, runBenchCompare } from './bench-compare.js';
import { verifiedModelBundle } from './diagnose.js';

export const benchUsage = `fieldline bench <device-id|address> <model-name[@version]|sha256> [--iterations N | --duration S]
                [--warmup N] [--threads N] [--execution-provider NAME] [--profile] [--report FILE]
                [--json] [--data-dir DIR] [--interfaces lo,eth0] [--timeout S]
  Benchmarks a model installed on the gateway (by name, name@version or the .onnx file's
  SHA-256): warm-up runs, then N timed runs (default 10 and 100) or as many as fit in S seconds.
  The gateway is an address (host[:port], /dev/ttyUSB0@921600) or a device id or its first 6+
  hex digits (found by discovery within --timeout S, default 5). Prints p50/p90/p99/p99.9, mean,
  standard deviation, min/max, throughput, coefficient of variation and outliers, and the
  verdict against the baseline of the library bundle with the same model for the gateway's
  hardware class (pass, warn, fail or no-baseline); --profile adds onnxruntime's per-operator
  times. The run is stored in the data directory. Ctrl-C stops the run on the gateway and
  prints what was measured, marked cancelled (exit code 130). Exit code 1 on fail.
  --report FILE writes the run's report (HTML for .html/.htm, JSON otherwise).
fieldline bench report <run-id> [--html] [--out FILE] [--data-dir DIR]
  The report of a stored run (6+ hex digits of its id) with the gateway's latest diagnosis:
  JSON by default, --html for a printable page; to stdout unless --out.
${benchCompareUsage}
fieldline bench --local <model.onnx|bundle.flb> [--iterations N] [--warmup N] [--threads N] [--json]
  The same loop on this laptop with onnxruntime (CPU), for reference.`;

function count(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function formatStats(s: LatencyStats): string {
  return table(
    ['statistic', 'value'],
    [
      ['runs', String(s.count)],
      ['p50', formatDuration(s.p50)],
      ['p90', formatDuration(s.p90)],
      ['p99', formatDuration(s.p99)],
      ['p99.9', formatDuration(s.p999)],
      ['mean', formatDuration(s.mean)],
      ['std dev', formatDuration(s.stdDev)],
      ['min', formatDuration(s.min)],
      ['max', formatDuration(s.max)],
      ['throughput', `${s.throughputPerSec.toFixed(0)} /s`],
      ['CV', `${(s.cv * 100).toFixed(1)}%`],
      ['outliers', `${s.outliers} (above Q3 + 1.5·IQR)`],
    ],
  );
}

/** The slowest operators first, with their time per call (warm-up runs included, as onnxruntime counts them). */
export function formatProfile(profile: readonly OpProfileShape[]): string {
  const rows = [...profile]
    .sort((a, b) => b.totalUs - a.totalUs)
    .slice(0, 30)
    .map((p) => [p.op, p.name, String(p.count), formatDuration(p.totalUs / Math.max(1, p.count)), formatDuration(p.totalUs)]);
  return table(['operator', 'node', 'calls', 'per inference', 'total'], rows);
}

/** An installed model by name, name@version or SHA-256, as the gateway's descriptor lists them. */
function installedModel(device: Device, arg: string): { name: string; version: string; sha256: string } {
  const models = device.descriptor?.models ?? [];
  let found;
  if (/^[0-9a-f]{64}$/i.test(arg)) found = models.find((m) => m.sha256 === arg.toLowerCase());
  else {
    const at = arg.lastIndexOf('@');
    const name = at > 0 ? arg.slice(0, at) : arg;
    const version = at > 0 ? arg.slice(at + 1) : undefined;
    if (!name.trim() || version === '')
      throw new CliError(`"${arg}" is not a model: give name, name@version or a 64-digit SHA-256\n${benchUsage}`);
    found = models.find((m) => m.name === name && (version === undefined || m.version === version));
  }
  if (!found)
    throw new CliError(
      `${device.name} has no installed model ${arg}; it has ${models.map((m) => `${m.name}@${m.version}`).join(', ') || 'none'}`,
      'Flash the model bundle first (fieldline flash), or pick one of the installed models.',
      'model_not_installed',
      1,
    );
  return found;
}

async function writeReport(engine: Engine, id: string, format: 'json' | 'html', file: string): Promise<BenchExport> {
  const exported = await call<BenchExport>(engine, 'bench.export', { id, format });
  await writeReportFile(file, exported.content);
  return exported;
}

/** `fieldline bench report <run-id>`: the report of a stored run. */
function runReport(argv: string[]): Promise<number> {
  return runStoredReport(argv, {
    command: 'bench report',
    idOf: 'run',
    plural: 'benchmark runs',
    unknown: 'stored benchmark run',
    unknownFix: 'Runs are listed in the Benchmark view; check --data-dir.',
    unknownCode: 'unknown_bench_run',
    usage: benchUsage,
    list: (engine) => call<BenchRun[]>(engine, 'bench.list'),
    export: (engine, id, format) => call<BenchExport>(engine, 'bench.export', { id, format }),
  });
}

async function runOnGateway(target: string, modelArg: string, values: Options, flags: TargetFlags): Promise<number> {
  const engine = await openEngine(flags);
  let deviceId: string | null = null;
  let cancelled = false;
  // The first Ctrl-C stops the run on the gateway and keeps what was measured; a second one is
  // Node's default (the process ends).
  const onSignal = (): void => {
    cancelled = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (deviceId !== null) void dispatch(engine.handlers, 'bench.cancel', { deviceId });
    if (!values.json) process.stderr.write('\r\x1b[2Kstopping the run on the gateway…\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const device = await resolveGateway(engine, target, flags, benchUsage);
    const installed = installedModel(device, modelArg);
    deviceId = device.id;
    if (cancelled) throw new CliError('interrupted before the run started', undefined, 'cancelled', 130);
    const tty = !values.json && process.stderr.isTTY === true;
    let announced = false;
    engine.subscribe((event, data) => {
      if (event !== 'bench.progress') return;
      const p = data as BenchProgress;
      if (p.deviceId !== device.id) return;
      if (!announced) {
        announced = true;
        // One line, on a terminal or not, so a script (or a test) knows the run is measuring.
        process.stderr.write(`benchmark running on ${device.name} (gateway run ${p.runId}); Ctrl-C stops it and keeps what was measured\n`);
      }
      if (tty) process.stderr.write(`\r\x1b[2Kbenchmark: ${p.done}${p.total ? ` of ${p.total}` : ''} runs`);
    });
    let run: BenchRunDetail;
    try {
      run = await call<BenchRunDetail>(engine, 'bench.run', {
        deviceId: device.id,
        model: { name: installed.name, version: installed.version },
        ...(values.warmup === undefined ? {} : { warmup: values.warmup }),
        ...(values.iterations === undefined ? {} : { iterations: values.iterations }),
        ...(values.durationMs === undefined ? {} : { durationMs: values.durationMs }),
        ...(values.threads === undefined ? {} : { threads: values.threads }),
        ...(values.executionProvider === undefined ? {} : { executionProvider: values.executionProvider }),
        ...(values.profile ? { profile: true } : {}),
      });
    } finally {
      if (tty) process.stderr.write('\r\x1b[2K');
    }
    if (values.report !== undefined) await writeReport(engine, run.id, reportFormat(values.report), values.report);
    const descriptor = device.descriptor;
    if (values.json)
      printJson({
        id: run.id,
        device: { id: device.id, name: run.deviceName, model: run.hardwareClass },
        model: run.model,
        settings: run.settings,
        run: run.run,
        stats: run.stats,
        baselineBundle: run.baselineBundle?.label ?? null,
        verdict: run.verdict,
        reasons: run.reasons,
        ...(values.report === undefined ? {} : { report: values.report }),
      });
    else
      process.stdout.write(
        [
          `${run.model.name} ${run.model.version} on ${run.deviceName} (${descriptor?.model ?? run.hardwareClass}), ${run.run.executionProvider}${run.run.cancelled ? ' — CANCELLED, partial result' : ''}`,
          `  load ${formatDuration(run.run.loadMs * 1000)}, peak memory ${(run.run.peakRssBytes / 1024 / 1024).toFixed(1)} MiB, providers ${run.run.providers.join(', ')}`,
          formatStats(run.stats),
          ...(run.run.profile?.length ? ['Per-operator profile (onnxruntime), slowest first:', formatProfile(run.run.profile)] : []),
          ...(run.baselineBundle ? [`Baseline from ${run.baselineBundle.label}`] : []),
          [`Verdict: ${run.verdict.toUpperCase()}`, ...run.reasons.map((r) => `  - ${r}`)].join('\n'),
          `Stored as run ${run.id.slice(0, 8)}${values.report === undefined ? ` (fieldline bench report ${run.id.slice(0, 8)} --html --out FILE)` : `; report written to ${values.report}`}`,
          '',
        ].join('\n'),
      );
    if (run.run.cancelled) return 130;
    return run.verdict === 'fail' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.close();
  }
}

async function runOnLaptop(file: string, values: Options): Promise<number> {
  if (!(await stat(file).catch(() => null))?.isFile())
    throw new CliError(`there is no file at ${file}`, 'Give an .onnx model or a model bundle (.flb).', 'file_not_found', 1);
  let model: Uint8Array;
  let label = file;
  if (/\.flb$/i.test(file)) {
    const bundle = await verifiedModelBundle(file, values['data-dir'] ?? defaultDataDir());
    const payload = bundle.manifest.payloads.find((p) => p.target === 'model');
    const bytes = payload ? bundle.payloads.get(payload.path) : undefined;
    if (!bytes) throw new CliError(`${file} carries no model file`, 'Give a bundle of kind "model".', 'not_a_model', 1);
    model = bytes;
    label = `${bundle.manifest.name} ${bundle.manifest.version}`;
  } else model = new Uint8Array(await readFile(file));
  let result;
  try {
    result = await runLocal({
      model,
      ...(values.warmup === undefined ? {} : { warmup: values.warmup }),
      ...(values.iterations === undefined ? {} : { iterations: values.iterations }),
      ...(values.threads === undefined ? {} : { threads: values.threads }),
    });
  } catch (err) {
    const e = err as { message?: string; code?: string };
    throw new CliError(
      `${label} cannot be benchmarked: ${e.message ?? String(err)}`,
      'Check that the file is an ONNX model.',
      e.code ?? 'model_invalid',
      1,
    );
  }
  if (values.json)
    printJson({
      local: true,
      model: label,
      loadMs: result.loadMs,
      warmup: result.warmup,
      iterations: result.iterations,
      executionProvider: result.executionProvider,
      stats: result.stats,
    });
  else
    process.stdout.write(
      `${label} on this laptop (onnxruntime, CPU), ${result.warmup} warm-up + ${result.iterations} runs, load ${result.loadMs.toFixed(1)} ms\n${formatStats(result.stats)}\n`,
    );
  return 0;
}

interface Options {
  readonly json?: boolean;
  readonly 'data-dir'?: string;
  readonly iterations?: number;
  readonly warmup?: number;
  readonly threads?: number;
  readonly durationMs?: number;
  readonly executionProvider?: string;
  readonly profile?: boolean;
  readonly report?: string;
}

export async function runBench(argv: string[]): Promise<number> {
  // `report` is a subcommand unless a gateway of that name is meant (an address never is).
  if (argv[0] === 'report') return runReport(argv.slice(1));
  if (argv[0] === 'compare') return runBenchCompare(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...targetOptionSpec,
      local: { type: 'boolean' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      duration: { type: 'string' },
      'execution-provider': { type: 'string' },
      profile: { type: 'boolean' },
      report: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  });
  const iterations = count('iterations', values.iterations, 1, MAX_ITERATIONS);
  const warmup = count('warmup', values.warmup, 0, MAX_ITERATIONS);
  const threads = count('threads', values.threads, 1, 256);
  let durationMs: number | undefined;
  if (values.duration !== undefined) {
    const seconds = Number(values.duration);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600)
      throw new CliError(`--duration must be a number of seconds above 0 and at most 3600, got "${values.duration}"`);
    durationMs = Math.max(1, Math.round(seconds * 1000));
  }
  if (durationMs !== undefined && iterations !== undefined) throw new CliError(`give --iterations or --duration, not both\n${benchUsage}`);
  const provider = values['execution-provider']?.trim();
  if (provider === '') throw new CliError(`--execution-provider needs a name (cpu, cuda, …)\n${benchUsage}`);
  if (values.report === '') throw new CliError(`--report needs a file name\n${benchUsage}`);
  const options: Options = {
    ...(values.json ? { json: true } : {}),
    ...(values['data-dir'] === undefined ? {} : { 'data-dir': values['data-dir'] }),
    ...(iterations === undefined ? {} : { iterations }),
    ...(warmup === undefined ? {} : { warmup }),
    ...(threads === undefined ? {} : { threads }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(provider === undefined ? {} : { executionProvider: provider }),
    ...(values.profile ? { profile: true } : {}),
    ...(values.report === undefined ? {} : { report: values.report }),
  };
  if (values.local) {
    if (positionals.length !== 1) throw new CliError(`bench --local takes one model file\n${benchUsage}`);
    if (durationMs !== undefined || provider !== undefined || values.profile || values.report !== undefined)
      throw new CliError(`--duration, --execution-provider, --profile and --report are for a gateway run\n${benchUsage}`);
    return runOnLaptop(positionals[0]!, options);
  }
  if (positionals.length !== 2) throw new CliError(`bench takes a gateway (device id or address) and a model\n${benchUsage}`);
  return runOnGateway(positionals[0]!, positionals[1]!, options, targetFlags(values, defaultDataDir()));
}
