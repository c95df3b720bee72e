/**
 * Runs side by side (core/api/bench-compare.ts, shared by the Benchmark view and the CLI), the
 * overlaid CDFs, the per-operator profile rows, the run settings form, the provider choices and
 * the reference bundle a diagnosis compares with.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareChoice,
  compareRuns,
  comparability,
  formatDelta,
  relativeDelta,
  settingsDifferences,
  type ComparedRun,
} from '../../core/api/bench-compare.js';
import { alignCdfs, cdf } from '../../renderer/bench/distribution.js';
import { profileRows } from '../../renderer/bench/format.js';
import { parseRunSettings, providerChoices, referenceBundles, type BenchForm } from '../../renderer/bench/selection.js';
import { bundle } from './renderer-flash-fixtures.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function run(id: string, over: { p50?: number; p99?: number; threads?: number | null; sha?: string; device?: string } = {}): ComparedRun {
  const p50 = over.p50 ?? 100;
  const p99 = over.p99 ?? 200;
  return {
    id: id.padEnd(32, '0'),
    deviceId: (over.device ?? 'd').repeat(64).slice(0, 64),
    deviceName: over.device === undefined ? 'gw-01' : `gw-${over.device}`,
    hardwareClass: 'EdgeBox X1',
    model: { name: 'Fieldline Demo Classifier', version: '1.0.0', sha256: over.sha ?? SHA_A },
    settings: { warmup: 10, iterations: 200, threads: over.threads === undefined ? null : over.threads },
    run: { iterations: 200, loadMs: 3, peakRssBytes: 1e6, executionProvider: 'cpu', providers: ['cpu'], cancelled: false },
    stats: {
      count: 200,
      min: p50 / 2,
      max: p99 * 2,
      mean: p50 * 1.1,
      stdDev: 10,
      p50,
      p90: p50 * 1.5,
      p99,
      p999: p99 * 1.5,
      throughputPerSec: 1e6 / (p50 * 1.1),
      cv: 0.1,
      outliers: 4,
    },
    verdict: 'pass',
    createdAt: 1_700_000_000_000,
  };
}

describe('differences against the reference run', () => {
  test('relative difference, and none against a zero or non-finite base', () => {
    assert.equal(relativeDelta(100, 112), 0.12);
    assert.equal(relativeDelta(200, 150), -0.25);
    assert.equal(relativeDelta(0, 5), null);
    assert.equal(relativeDelta(Number.NaN, 5), null);
  });

  test('written with a sign: whole percent from 10 %, one decimal below, ±0 for no change', () => {
    assert.equal(formatDelta(0.12), '+12 %');
    assert.equal(formatDelta(-0.034), '−3.4 %');
    assert.equal(formatDelta(0), '±0 %');
    assert.equal(formatDelta(0.0001), '±0 %');
    assert.equal(formatDelta(1.5), '+150 %');
    assert.equal(formatDelta(null), '—');
  });
});

describe('which runs compare', () => {
  test('the same model file compares on any gateway; another file or model does not, with the reason', () => {
    assert.deepEqual(comparability(run('1'), run('2', { device: 'e' })), { ok: true });
    const other = comparability(run('1'), run('2', { sha: SHA_B }));
    assert.equal(other.ok, false);
    assert.match(other.ok ? '' : other.reason, /another model file under the same name \(sha256 bbbbbbbbbbbb… vs aaaaaaaaaaaa…\)/);
    const renamed = { ...run('3', { sha: SHA_B }), model: { name: 'Other', version: '2.0.0', sha256: SHA_B } };
    const c = comparability(run('1'), renamed);
    assert.equal(c.ok ? '' : c.reason, 'another model (Other 2.0.0)');
  });

  test('the picker: anything goes until a first run is chosen; then only the same model file', () => {
    assert.deepEqual(compareChoice([], run('1', { sha: SHA_B })), { ok: true });
    assert.deepEqual(compareChoice([run('1')], run('2')), { ok: true });
    assert.equal(compareChoice([run('1')], run('2', { sha: SHA_B })).ok, false);
  });

  test('settings that differ are named with both values; warm-up alone does not count', () => {
    assert.deepEqual(settingsDifferences(run('1', { threads: 2 }), run('2', { threads: 4 })), ['threads 2 vs 4']);
    assert.deepEqual(settingsDifferences(run('1'), run('2', { threads: 4 })), ['threads auto vs 4']);
    const warm = { ...run('2'), settings: { ...run('2').settings, warmup: 50 } };
    assert.deepEqual(settingsDifferences(run('1'), warm), []);
    const timed = {
      ...run('2'),
      settings: { ...run('2').settings, iterations: null, durationMs: 5000 },
      run: { ...run('2').run, executionProvider: 'cuda' },
    };
    assert.deepEqual(settingsDifferences(run('1'), timed), ['length 200 iterations vs 5.0 s', 'provider cpu vs cuda']);
  });
});

describe('compareRuns', () => {
  test('one column per run, each figure with its difference against the first, better or worse', () => {
    const c = compareRuns([run('1', { p50: 100, p99: 200 }), run('2', { p50: 112, p99: 150, device: 'e' })]);
    assert.equal(c.columns.length, 2);
    assert.deepEqual(
      c.rows.map((r) => r.key),
      ['p50', 'p90', 'p99', 'p999', 'mean', 'stdDev', 'throughput', 'cv', 'outliers'],
    );
    const p50 = c.rows.find((r) => r.key === 'p50')!;
    assert.equal(p50.cells[0]!.text, '100 µs');
    assert.equal(p50.cells[0]!.deltaText, null);
    assert.equal(p50.cells[1]!.text, '112 µs');
    assert.equal(p50.cells[1]!.deltaText, '+12 %');
    assert.equal(p50.cells[1]!.better, false);
    const p99 = c.rows.find((r) => r.key === 'p99')!;
    assert.equal(p99.cells[1]!.deltaText, '−25 %');
    assert.equal(p99.cells[1]!.better, true);
    // Throughput: higher is better, so a slower run's lower throughput is worse.
    const tp = c.rows.find((r) => r.key === 'throughput')!;
    assert.equal(tp.cells[1]!.better, false);
    assert.match(tp.cells[1]!.text, /inferences\/s$/);
    const std = c.rows.find((r) => r.key === 'stdDev')!;
    assert.equal(std.cells[1]!.deltaText, '±0 %');
    assert.equal(std.cells[1]!.better, null);
    assert.equal(c.columns[1]!.deviceName, 'gw-e');
    assert.deepEqual(c.columns[0]!.flags, []);
  });

  test('different settings are flagged on the run that has them; a cancelled run says so', () => {
    const cancelled = { ...run('3'), run: { ...run('3').run, cancelled: true }, stats: { ...run('3').stats, count: 37 } };
    const c = compareRuns([run('1', { threads: 2 }), run('2', { threads: 4 }), cancelled]);
    assert.deepEqual(c.columns[1]!.flags, ['settings differ: threads 2 vs 4']);
    assert.deepEqual(c.columns[2]!.flags, ['settings differ: threads 2 vs auto', 'cancelled after 37 inferences']);
    assert.equal(c.columns[0]!.settings, 'warm-up 10 · 200 iterations · threads 2 · cpu');
  });

  test('runs of another model file are left out with the reason; none given, nothing compared', () => {
    const c = compareRuns([run('1'), run('2', { sha: SHA_B }), run('3')]);
    assert.deepEqual(
      c.columns.map((col) => col.id.slice(0, 1)),
      ['1', '3'],
    );
    assert.equal(c.excluded.length, 1);
    assert.match(c.excluded[0]!.reason, /another model file/);
    assert.deepEqual(compareRuns([]), { columns: [], rows: [], excluded: [] });
  });
});

describe('overlaid CDFs', () => {
  test('every curve is read at the union of the latencies: 0 before its first, 100 after its last', () => {
    const a = cdf([10, 20]);
    const b = cdf([15, 30, 30, 40]);
    const aligned = alignCdfs([a, b]);
    assert.deepEqual(aligned.xs, [10, 15, 20, 30, 40]);
    assert.deepEqual(aligned.ys[0], [50, 50, 100, 100, 100]);
    assert.deepEqual(aligned.ys[1], [0, 25, 25, 75, 100]);
  });

  test('no curves, or empty ones, give nothing to draw', () => {
    assert.deepEqual(alignCdfs([]), { xs: [], ys: [] });
    assert.deepEqual(alignCdfs([cdf([])]), { xs: [], ys: [[]] });
  });
});

describe('per-operator profile', () => {
  test('top operators by total time, with their share of the whole and time per call', () => {
    const p = profileRows(
      [
        { op: 'Relu', name: 'relu', totalUs: 100, count: 10 },
        { op: 'Conv', name: 'conv', totalUs: 700, count: 10 },
        { op: 'Gemm', name: 'gemm', totalUs: 200, count: 10 },
      ],
      2,
    );
    assert.deepEqual(
      p.rows.map((r) => [r.op, r.share, r.perCallUs]),
      [
        ['Conv', 0.7, 70],
        ['Gemm', 0.2, 20],
      ],
    );
    assert.equal(p.totalUs, 1000);
    assert.equal(p.hidden, 1);
  });

  test('an all-zero profile has no shares to divide', () => {
    assert.equal(profileRows([{ op: 'Add', name: 'a', totalUs: 0, count: 0 }]).rows[0]!.share, 0);
  });
});

describe('run settings form', () => {
  const form: BenchForm = {
    warmup: '10',
    iterations: '200',
    threads: 'auto',
    mode: 'iterations',
    durationS: '10',
    provider: '',
    profile: false,
  };

  test('the defaults: 200 iterations, the gateway chooses threads and provider, no profile', () => {
    assert.deepEqual(parseRunSettings(form), {
      ok: true,
      value: { warmup: 10, iterations: 200, durationMs: null, threads: null, executionProvider: null, profile: false },
    });
  });

  test('run for N seconds: a duration instead of a count (the count field is not checked then)', () => {
    const r = parseRunSettings({ ...form, mode: 'duration', durationS: '2.5', iterations: 'x', provider: 'cuda', profile: true });
    assert.deepEqual(r, {
      ok: true,
      value: { warmup: 10, iterations: null, durationMs: 2500, threads: null, executionProvider: 'cuda', profile: true },
    });
  });

  test('a bad duration or count is refused with a sentence', () => {
    for (const durationS of ['0', '-1', 'abc', '3601', '']) {
      const r = parseRunSettings({ ...form, mode: 'duration', durationS });
      assert.equal(r.ok, false, durationS);
      assert.equal(r.ok ? '' : r.field, 'duration');
    }
    const r = parseRunSettings({ ...form, iterations: '0' });
    assert.equal(r.ok ? '' : r.field, 'iterations');
  });
});

describe('execution provider choices', () => {
  test('before any run: cpu, and the accelerators listed but not choosable yet', () => {
    const o = providerChoices([{ kind: 'npu', name: 'Hailo-8L' }], null);
    assert.deepEqual(
      o.map((x) => [x.value, x.disabled]),
      [
        ['', false],
        ['accelerator:Hailo-8L', true],
      ],
    );
    assert.match(o[1]!.label, /run once first/);
  });

  test('after a run: the providers the gateway reported are choosable; an accelerator without one says so', () => {
    const o = providerChoices(
      [
        { kind: 'gpu', name: 'Jetson Orin Nano' },
        { kind: 'npu', name: 'Hailo-8L' },
      ],
      ['cpu', 'gpu'],
    );
    assert.deepEqual(
      o.map((x) => [x.value, x.disabled]),
      [
        ['', false],
        ['gpu', false],
        ['accelerator:Hailo-8L', true],
      ],
    );
    assert.match(o[2]!.label, /not an onnxruntime provider on this gateway \(it has cpu, gpu\)/);
  });
});

describe('reference bundle for a diagnosis', () => {
  const installed = { name: 'Fieldline Demo Classifier', version: '1.0.0', sha256: SHA_A };
  const real = bundle({ id: '1'.repeat(64), fileName: 'fieldline-demo-classifier-1.0.0.flb', importedAt: 1 });
  const wrong = bundle({ id: '2'.repeat(64), fileName: 'fieldline-demo-classifier-1.0.0-wrong.flb', importedAt: 2 });
  const other = bundle({ id: '3'.repeat(64), name: 'Fieldline Demo CNN' });
  const refused = bundle({ id: '4'.repeat(64), status: 'refused' });

  test('the bundle holding the installed model file leads and is the default, whatever the import order', () => {
    const r = referenceBundles([wrong, real, other, refused], installed, { [real.id]: SHA_A, [wrong.id]: SHA_B });
    assert.equal(r.defaultId, real.id);
    assert.deepEqual(
      r.options.map((o) => o.bundle.id),
      [real.id, wrong.id],
    );
    assert.equal(r.options[0]!.label, 'Holds the installed model (aaaaaaaaaaaa…) — fieldline-demo-classifier-1.0.0.flb · 1.0.0');
    assert.equal(
      r.options[1]!.label,
      'Another model file than the installed one (bbbbbbbbbbbb…) — fieldline-demo-classifier-1.0.0-wrong.flb · 1.0.0',
    );
  });

  test('while the hashes are being read: same name and version first, newest import first', () => {
    const r = referenceBundles([real, wrong], installed, {});
    assert.equal(r.defaultId, wrong.id);
    assert.match(r.options[0]!.label, /^Reading its manifest…/);
  });

  test('no bundle of that name: nothing to compare with', () => {
    assert.deepEqual(referenceBundles([other, refused], installed, {}), { options: [], defaultId: null });
  });
});
