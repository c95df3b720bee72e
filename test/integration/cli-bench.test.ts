/**
 * `fieldline bench` and `fieldline diagnose` as processes: a local benchmark of the demo
 * classifier, a benchmark on a real agent with the demo classifier flashed onto it, and
 * diagnostics that pass for the right bundle and fail — "not the one in the bundle" — for the
 * deliberately wrong variant (same name and version, other weights).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningAgent } from '../../agent/agent.js';
import type { DemoBundleSet } from '../../cli/demo-bundles.js';
import { buildMlp } from '../../core/bench/onnx/index.js';
import { addressOf, demoBundles, seedProfile, startGateway } from './flash-support.js';

const root = resolve(import.meta.dirname, '..', '..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function fieldline(args: readonly string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

interface StatsJson {
  count: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

describe('fieldline bench / diagnose', () => {
  let dir: string;
  let dataDir: string;
  let bundles: DemoBundleSet;
  let agent: RunningAgent;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fl-cli-bench-'));
    dataDir = join(dir, 'app');
    seedProfile(dataDir);
    bundles = await demoBundles(dir, 256 * 1024);
    agent = await startGateway(dir, 'bench-gw');
    const flashed = await fieldline(['flash', bundles.model.file, addressOf(agent), '--json', '--data-dir', dataDir]);
    assert.equal(flashed.code, 0, `flashing the demo classifier: ${flashed.stdout}${flashed.stderr}`);
  });

  after(async () => {
    await agent?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('bench --local on the demo classifier bundle: statistics of exactly the runs asked for', async () => {
    const run = await fieldline([
      'bench',
      '--local',
      bundles.model.file,
      '--iterations',
      '40',
      '--warmup',
      '3',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { local: boolean; model: string; iterations: number; warmup: number; stats: StatsJson };
    assert.equal(out.local, true);
    assert.equal(out.model, 'Fieldline Demo Classifier 1.0.0');
    assert.equal(out.iterations, 40);
    assert.equal(out.warmup, 3);
    assert.equal(out.stats.count, 40);
    assert.ok(out.stats.min > 0 && out.stats.min <= out.stats.p50 && out.stats.p50 <= out.stats.p99 && out.stats.p99 <= out.stats.max);
  });

  test('bench --local on a bare .onnx file prints the statistics table; a file that is not a model is refused', async () => {
    const file = join(dir, 'mlp.onnx');
    await writeFile(file, buildMlp({ inputSize: 8, hidden: 4, outputs: 2, seed: 1 }).bytes);
    const run = await fieldline(['bench', '--local', file, '--iterations', '10']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /on this laptop \(onnxruntime, CPU\), 10 warm-up \+ 10 runs/);
    assert.match(run.stdout, /^p99\.9\s+\S+/m);
    assert.match(run.stdout, /^outliers\s+\d+ \(above Q3 \+ 1\.5·IQR\)/m);

    const junk = join(dir, 'junk.onnx');
    await writeFile(junk, 'not a model at all');
    const bad = await fieldline(['bench', '--local', junk]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /junk\.onnx cannot be benchmarked: not an ONNX model/);
    const usage = await fieldline(['bench', '--local', file, '--iterations', '0']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--iterations must be a whole number from 1 to 100000, got "0"/);
  });

  test('bench on the gateway: the runs asked for, paged samples, and a verdict against the library bundle baseline', async () => {
    const run = await fieldline([
      'bench',
      addressOf(agent),
      'Fieldline Demo Classifier@1.0.0',
      '--iterations',
      '60',
      '--warmup',
      '5',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    const out = JSON.parse(run.stdout) as {
      device: { model: string };
      model: { sha256: string };
      run: { iterations: number; providers: string[]; cancelled: boolean };
      stats: StatsJson;
      baselineBundle: string | null;
      verdict: string;
      reasons: string[];
    };
    assert.equal(out.run.iterations, 60);
    assert.equal(out.run.cancelled, false);
    assert.ok(out.run.providers.includes('cpu'), `providers: ${out.run.providers.join(', ')}`);
    assert.equal(out.stats.count, 60, 'every sample came back through bench.samples');
    assert.equal(out.model.sha256, modelSha(bundles));
    assert.equal(out.baselineBundle, 'Fieldline Demo Classifier 1.0.0');
    assert.equal(out.device.model, 'EdgeBox X1');
    // Latency depends on the machine: only the verdict's consistency with the exit code is asserted.
    assert.ok(['pass', 'warn', 'fail'].includes(out.verdict), out.verdict);
    assert.equal(out.reasons.length, 2);
    assert.equal(run.code, out.verdict === 'fail' ? 1 : 0, run.stderr);

    const missing = await fieldline(['bench', addressOf(agent), 'No Such Model', '--data-dir', dataDir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /bench-gw has no installed model No Such Model; it has Fieldline Demo Classifier@1\.0\.0/);
  });

  test('bench --duration runs for a time, not a count; --profile prints the per-operator table', async () => {
    const run = await fieldline([
      'bench',
      addressOf(agent),
      'Fieldline Demo Classifier',
      '--duration',
      '0.5',
      '--warmup',
      '1',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    const out = JSON.parse(run.stdout) as {
      id: string;
      settings: { iterations: number | null; durationMs?: number };
      run: { iterations: number; cancelled: boolean };
      stats: StatsJson;
    };
    assert.deepEqual(out.settings, { warmup: 1, iterations: null, threads: null, durationMs: 500 });
    assert.equal(out.run.cancelled, false);
    assert.ok(out.run.iterations > 0 && out.stats.count === out.run.iterations, `${out.run.iterations} runs in 0.5 s`);

    const profiled = await fieldline([
      'bench',
      addressOf(agent),
      'Fieldline Demo Classifier@1.0.0',
      '--iterations',
      '20',
      '--profile',
      '--data-dir',
      dataDir,
    ]);
    assert.ok(profiled.code === 0 || profiled.code === 1, profiled.stderr);
    assert.match(profiled.stdout, /Per-operator profile \(onnxruntime\), slowest first:/);
    assert.match(profiled.stdout, /^operator\s+node\s+calls\s+per inference\s+total$/m);
    assert.match(profiled.stdout, /^Softmax\s+\S+\s+\d+\s+\S+ (µs|ms)\s+\S+ (µs|ms)$/m);
    assert.match(profiled.stdout, /^Stored as run [0-9a-f]{8}/m);
  });

  test('bench --execution-provider: one the gateway lacks is refused with what it has; bad flags are usage errors', async () => {
    const run = await fieldline([
      'bench',
      addressOf(agent),
      'Fieldline Demo Classifier',
      '--execution-provider',
      'cuda',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /"cuda" is not available on this gateway; it has cpu/);
    const cpu = await fieldline([
      'bench',
      addressOf(agent),
      'Fieldline Demo Classifier',
      '--execution-provider',
      'cpu',
      '--iterations',
      '5',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    assert.equal((JSON.parse(cpu.stdout) as { run: { executionProvider: string } }).run.executionProvider, 'cpu');

    const both = await fieldline(['bench', addressOf(agent), 'x', '--duration', '1', '--iterations', '5']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give --iterations or --duration, not both/);
    const bad = await fieldline(['bench', addressOf(agent), 'x', '--duration', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--duration must be a number of seconds above 0/);
  });

  test('Ctrl-C during a run stops it on the gateway and prints the partial result, marked cancelled', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'cli', 'main.ts'),
        'bench',
        addressOf(agent),
        'Fieldline Demo Classifier',
        '--duration',
        '600',
        '--warmup',
        '0',
        '--json',
        '--data-dir',
        dataDir,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const running = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/benchmark running on bench-gw \(gateway run [0-9a-f]+\)/.test(stderr)) resolve();
      }),
    );
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await running;
    child.kill('SIGINT');
    const code = await closed;
    assert.equal(code, 130, stderr);
    const out = JSON.parse(stdout) as { id: string; run: { cancelled: boolean; iterations: number }; stats: StatsJson };
    assert.equal(out.run.cancelled, true);
    assert.ok(out.run.iterations > 0 && out.stats.count === out.run.iterations);

    // Stored as cancelled: its report says so.
    const report = await fieldline(['bench', 'report', out.id.slice(0, 10), '--data-dir', dataDir]);
    assert.equal(report.code, 0, report.stderr);
    const parsed = JSON.parse(report.stdout) as { format: string; run: { id: string; run: { cancelled: boolean }; samplesUs: number[] } };
    assert.equal(parsed.format, 'fieldline.bench-report/v1');
    assert.equal(parsed.run.id, out.id);
    assert.equal(parsed.run.run.cancelled, true);
    assert.equal(parsed.run.samplesUs.length, out.run.iterations);
  });

  test('bench --report FILE writes the HTML report; bench report <id> --html --out FILE the same page', async () => {
    const file = join(dir, 'bench-report.html');
    const run = await fieldline([
      'bench',
      addressOf(agent),
      'Fieldline Demo Classifier',
      '--iterations',
      '30',
      '--report',
      file,
      '--json',
      '--data-dir',
      dataDir,
    ]);
    const out = JSON.parse(run.stdout) as { id: string; verdict: string; report: string };
    assert.equal(out.report, file);
    const html = await readFile(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Benchmark report — Fieldline Demo Classifier 1\.0\.0 on bench-gw/);
    assert.match(html, /Statistics \(30 timed inferences\)/);
    assert.ok(html.includes(`data-verdict="${out.verdict}"`));
    assert.doesNotMatch(html, /<script/);

    const again = join(dir, 'again.html');
    const report = await fieldline(['bench', 'report', out.id.slice(0, 8), '--html', '--out', again, '--data-dir', dataDir]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, new RegExp(`Wrote the report of run ${out.id.slice(0, 8)} to`));
    assert.match(await readFile(again, 'utf8'), /Statistics \(30 timed inferences\)/);
    const unknown = await fieldline(['bench', 'report', 'abcdef12', '--data-dir', dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no stored benchmark run with an id starting abcdef12/);
  });

  test('bench compare: two stored runs side by side, differences against the first, differing settings named', async () => {
    const ids: string[] = [];
    for (const threads of ['1', '2']) {
      const run = await fieldline([
        'bench',
        addressOf(agent),
        'Fieldline Demo Classifier',
        '--iterations',
        '20',
        '--threads',
        threads,
        '--json',
        '--data-dir',
        dataDir,
      ]);
      ids.push((JSON.parse(run.stdout) as { id: string }).id);
    }
    const json = await fieldline(['bench', 'compare', ids[0]!.slice(0, 8), ids[1]!, '--json', '--data-dir', dataDir]);
    assert.equal(json.code, 0, json.stderr);
    const c = JSON.parse(json.stdout) as {
      columns: { id: string; flags: string[]; samples: number }[];
      rows: { key: string; cells: { deltaText: string | null }[] }[];
      excluded: unknown[];
    };
    assert.deepEqual(
      c.columns.map((col) => col.id),
      ids,
    );
    assert.deepEqual(c.columns[1]!.flags, ['settings differ: threads 1 vs 2']);
    assert.deepEqual(c.excluded, []);
    const p99 = c.rows.find((r) => r.key === 'p99');
    assert.equal(p99?.cells[0]?.deltaText, null);
    assert.match(p99?.cells[1]?.deltaText ?? '', /^([+−]\d+(\.\d)? %|±0 %)$/);

    const text = await fieldline(['bench', 'compare', ids[0]!.slice(0, 8), ids[1]!.slice(0, 8), '--data-dir', dataDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`bench-gw ${ids[0]!.slice(0, 8)} \\(reference\\)`));
    assert.match(text.stdout, /^p99 .*\(([+−]\d+(\.\d)? %|±0 %)\)$/m);
    assert.match(text.stdout, new RegExp(`run ${ids[1]!.slice(0, 8)} on bench-gw: settings differ: threads 1 vs 2`));

    const one = await fieldline(['bench', 'compare', ids[0]!, '--data-dir', dataDir]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /bench compare needs two or more run ids/);
    const unknown = await fieldline(['bench', 'compare', ids[0]!, 'abcdef12', '--data-dir', dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no stored benchmark run with an id starting abcdef12/);
  });

  test('diagnose with the right bundle passes on every golden case', async () => {
    const run = await fieldline(['diagnose', addressOf(agent), bundles.model.file, '--json', '--data-dir', dataDir]);
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    const out = JSON.parse(run.stdout) as { verdict: string; cases: number; failedCases: number; comparisons: { ok: boolean }[] };
    assert.equal(out.verdict, 'pass');
    assert.equal(out.cases, 3);
    assert.equal(out.failedCases, 0);
    assert.ok(out.comparisons.length === 3 && out.comparisons.every((c) => c.ok));

    const text = await fieldline(['diagnose', addressOf(agent), bundles.model.file, '--data-dir', dataDir]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /Verdict: PASS — all 3 golden inputs give the bundle model's outputs within tolerance/);
  });

  test('the wrong variant: the gateway refuses to install it, and diagnosing against it says the model is not the one in the bundle', async () => {
    // Its golden cases are the real classifier's, so the gateway's own install check catches it...
    const flashed = await fieldline(['flash', bundles.wrongModel.file, addressOf(agent), '--json', '--data-dir', dataDir]);
    assert.equal(flashed.code, 1, 'the gateway refused the wrong variant');
    // ...and the gateway still runs the real classifier, which is not the model in the wrong bundle.
    const run = await fieldline(['diagnose', addressOf(agent), bundles.wrongModel.file, '--json', '--data-dir', dataDir]);
    assert.equal(run.code, 1, run.stderr);
    const out = JSON.parse(run.stdout) as {
      verdict: string;
      explanation: string;
      failedCases: number;
      notes: string[];
      bundleModelSha256: string;
      gatewayModelSha256: string;
    };
    assert.equal(out.verdict, 'wrong-model');
    assert.equal(out.failedCases, 3);
    assert.equal(out.gatewayModelSha256, modelSha(bundles));
    assert.notEqual(out.bundleModelSha256, out.gatewayModelSha256);
    assert.equal(
      out.explanation,
      `outputs differ beyond tolerance on 3/3 inputs — the model on the gateway is not the one in the bundle (bundle model sha256 ${out.bundleModelSha256.slice(0, 12)}…, gateway reports ${out.gatewayModelSha256.slice(0, 12)}…); flash the bundle again`,
    );
    assert.match(out.notes[0] ?? '', /the bundle was built wrong/);
  });
});

/** The demo classifier's model.onnx hash, as its manifest records it. */
function modelSha(bundles: DemoBundleSet): string {
  const p = bundles.model.manifest.payloads.find((x) => x.target === 'model');
  assert.ok(p, 'the demo classifier has a model payload');
  return p.sha256;
}
