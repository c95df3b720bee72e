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
import type { BundleDetail, BundleSummary } from '../../core/api/schemas.js';
import { baselineFor, judge, type Judgement } from '../../core/bench/baseline.js';
import { baselineBundleFor, benchOnGateway, type LibraryModelBundle } from '../../core/bench/gateway-run.js';
import { runLocal, MAX_ITERATIONS } from '../../core/bench/local-run.js';
import { computeStats, type LatencyStats } from '../../core/bench/stats.js';
import { parseManifest, type LatencyBaseline } from '../../core/bundle/manifest.js';
import { createEngine } from '../../core/engine/engine.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, table } from '../output.js';
import { engineCall, verifiedModelBundle } from './diagnose.js';
import { openGateway } from './gateway-session.js';

export const benchUsage = `fieldline bench <device-address> <model-name[@version]|sha256> [--iterations N] [--warmup N]
                [--threads N] [--json] [--data-dir DIR]
  Benchmarks a model installed on the gateway (by name, name@version or the .onnx file's
  SHA-256): warm-up runs, then N timed runs (default 10 and 100). Prints p50/p90/p99/p99.9,
  mean, standard deviation, min/max, throughput, coefficient of variation and outliers, and the
  verdict against the baseline of the library bundle with the same model for the gateway's
  hardware class (pass, warn, fail or no-baseline). Exit code 1 on fail.
fieldline bench --local <model.onnx|bundle.flb> [--iterations N] [--warmup N] [--threads N] [--json]
  The same loop on this laptop with onnxruntime (CPU), for reference.`;

function count(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function us(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : v >= 1000 ? `${(v / 1000).toFixed(3)} ms` : `${v.toFixed(1)} µs`;
}

export function formatStats(s: LatencyStats): string {
  return table(
    ['statistic', 'value'],
    [
      ['runs', String(s.count)],
      ['p50', us(s.p50)],
      ['p90', us(s.p90)],
      ['p99', us(s.p99)],
      ['p99.9', us(s.p999)],
      ['mean', us(s.mean)],
      ['std dev', us(s.stdDev)],
      ['min', us(s.min)],
      ['max', us(s.max)],
      ['throughput', `${s.throughputPerSec.toFixed(0)} /s`],
      ['CV', `${(s.cv * 100).toFixed(1)}%`],
      ['outliers', `${s.outliers} (above Q3 + 1.5·IQR)`],
    ],
  );
}

function formatJudgement(j: Judgement): string {
  return [`Verdict: ${j.verdict.toUpperCase()}`, ...j.reasons.map((r) => `  - ${r}`)].join('\n');
}

function modelRef(arg: string): { name: string; version?: string } | { sha256: Uint8Array } {
  if (/^[0-9a-f]{64}$/i.test(arg)) return { sha256: new Uint8Array(Buffer.from(arg, 'hex')) };
  const at = arg.lastIndexOf('@');
  const name = at > 0 ? arg.slice(0, at) : arg;
  const version = at > 0 ? arg.slice(at + 1) : undefined;
  if (!name.trim() || version === '')
    throw new CliError(`"${arg}" is not a model: give name, name@version or a 64-digit SHA-256\n${benchUsage}`);
  return version === undefined ? { name } : { name, version };
}

/** The baselines of the verified library bundle carrying this model file (else name and version). */
async function libraryBaselines(
  dataDir: string,
  model: { name: string; version: string; sha256: string },
): Promise<{ bundle: string; baselines: readonly LatencyBaseline[] } | null> {
  const engine = await createEngine({ dataDir, host: 'cli' });
  try {
    const bundles = (await engineCall<BundleSummary[]>(engine, 'bundles.list')).filter(
      (b) => b.kind === 'model' && b.status === 'verified',
    );
    const candidates: LibraryModelBundle[] = [];
    for (const b of bundles) {
      const detail = await engineCall<BundleDetail>(engine, 'bundles.get', { id: b.id });
      const parsed = detail.manifestJson === null ? null : parseManifest(detail.manifestJson);
      if (parsed?.ok) candidates.push({ id: b.id, label: `${b.name ?? b.fileName} ${b.version ?? ''}`.trim(), manifest: parsed.manifest });
    }
    const found = baselineBundleFor(candidates, model);
    return found ? { bundle: found.label, baselines: found.baselines } : null;
  } finally {
    await engine.close();
  }
}

async function runOnGateway(address: string, modelArg: string, values: Options): Promise<number> {
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const ref = modelRef(modelArg);
  const gateway = await openGateway(address, dataDir, benchUsage);
  try {
    const { peer, descriptor } = gateway.session;
    const installed = descriptor.models.find((m) =>
      'sha256' in ref
        ? m.sha256 === Buffer.from(ref.sha256).toString('hex')
        : m.name === ref.name && (ref.version === undefined || m.version === ref.version),
    );
    if (!installed)
      throw new CliError(
        `${descriptor.name} has no installed model ${modelArg}; it has ${descriptor.models.map((m) => `${m.name}@${m.version}`).join(', ') || 'none'}`,
        'Flash the model bundle first (fieldline flash), or pick one of the installed models.',
        'model_not_installed',
        1,
      );
    const showProgress = !values.json && process.stderr.isTTY;
    let outcome;
    try {
      outcome = await benchOnGateway(peer, descriptor.maxFrame, installed, values, (p) => {
        if (showProgress) process.stderr.write(`\r\x1b[2Kbenchmark: ${p.done}${p.total ? ` of ${p.total}` : ''} runs`);
      });
    } finally {
      if (showProgress) process.stderr.write('\r\x1b[2K');
    }
    const { run, samplesUs: samples } = outcome;
    const stats = computeStats(samples);
    const library = await libraryBaselines(dataDir, installed);
    const judgement = judge(stats, baselineFor(library?.baselines, descriptor.model), descriptor.model);
    if (values.json)
      printJson({
        device: { id: descriptor.id, name: descriptor.name, model: descriptor.model },
        model: installed,
        run,
        stats,
        baselineBundle: library?.bundle ?? null,
        ...judgement,
      });
    else
      process.stdout.write(
        [
          `${installed.name} ${installed.version} on ${descriptor.name} (${descriptor.model}), ${run.executionProvider}${run.cancelled ? ' — CANCELLED, partial result' : ''}`,
          `  load ${run.loadMs.toFixed(1)} ms, peak memory ${(run.peakRssBytes / 1024 / 1024).toFixed(1)} MiB, providers ${run.providers.join(', ')}`,
          formatStats(stats),
          ...(library ? [`Baseline from ${library.bundle}`] : []),
          formatJudgement(judgement),
          '',
        ].join('\n'),
      );
    return judgement.verdict === 'fail' ? 1 : 0;
  } finally {
    await gateway.close();
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
}

export async function runBench(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      local: { type: 'boolean' },
      iterations: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const iterations = count('iterations', values.iterations, 1, MAX_ITERATIONS);
  const warmup = count('warmup', values.warmup, 0, MAX_ITERATIONS);
  const threads = count('threads', values.threads, 1, 256);
  const options: Options = {
    ...(values.json ? { json: true } : {}),
    ...(values['data-dir'] === undefined ? {} : { 'data-dir': values['data-dir'] }),
    ...(iterations === undefined ? {} : { iterations }),
    ...(warmup === undefined ? {} : { warmup }),
    ...(threads === undefined ? {} : { threads }),
  };
  if (values.local) {
    if (positionals.length !== 1) throw new CliError(`bench --local takes one model file\n${benchUsage}`);
    return runOnLaptop(positionals[0]!, options);
  }
  if (positionals.length !== 2) throw new CliError(`bench takes a gateway address and a model\n${benchUsage}`);
  return runOnGateway(positionals[0]!, positionals[1]!, options);
}
