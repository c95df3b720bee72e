/**
 * The Benchmark view's figures and choices: units on every figure, settings checks, gateways and
 * the library bundle that holds a model.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Device, LatencyStatsShape } from '../../core/api/schemas.js';
import { formatError, formatLatency, formatThroughput, progressRatio, progressText, statRows } from '../../renderer/bench/format.js';
import { bundleForModel, gatewayChoice, parseSettings } from '../../renderer/bench/selection.js';
import { bundle } from './renderer-flash-fixtures.js';

const STATS: LatencyStatsShape = {
  count: 200,
  min: 80,
  max: 15_000,
  mean: 120.25,
  stdDev: 12.5,
  p50: 110,
  p90: 150,
  p99: 1500,
  p999: 15_000,
  throughputPerSec: 8316.0,
  cv: 0.104,
  outliers: 3,
};

describe('format', () => {
  test('latencies carry their unit and switch scale', () => {
    assert.equal(formatLatency(110), '110 µs');
    assert.equal(formatLatency(8.1), '8.10 µs');
    assert.equal(formatLatency(1500), '1.50 ms');
    assert.equal(formatLatency(15_000), '15.0 ms');
    assert.equal(formatLatency(2_500_000), '2.50 s');
    assert.equal(formatLatency(Number.NaN), '—');
  });

  test('every statistic row has a unit', () => {
    const rows = statRows(STATS);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['p50', 'p90', 'p99', 'p999', 'mean', 'stdDev', 'min', 'max', 'throughput', 'cv', 'outliers'],
    );
    for (const r of rows) assert.match(r.value, /µs|ms|inferences\/s|%|samples/, `${r.key}: ${r.value}`);
    assert.equal(rows.find((r) => r.key === 'cv')!.value, '10.4 %');
    assert.equal(rows.find((r) => r.key === 'outliers')!.value, '3 of 200 samples (1.5 %)');
    assert.equal(formatThroughput(8316), '8316 inferences/s');
  });

  test('diagnosis errors: null as a dash, tiny values in scientific notation', () => {
    assert.equal(formatError(null), '—');
    assert.equal(formatError(0), '0');
    assert.equal(formatError(0.00001234), '1.23e-5');
    assert.equal(formatError(0.99999), '0.99999');
    assert.equal(formatError(0.125), '0.125');
  });

  test('progress: a share when the total is known, a count when not', () => {
    assert.equal(progressText(50, 200), '50 of 200 inferences (25 %)');
    assert.equal(progressText(5, null), '5 inferences done');
    assert.equal(progressRatio(300, 200), 1);
    assert.equal(progressRatio(1, null), null);
  });
});

describe('settings', () => {
  test('defaults parse, "auto" threads mean the gateway decides', () => {
    assert.deepEqual(parseSettings('10', '200', 'auto'), { ok: true, value: { warmup: 10, iterations: 200, threads: null } });
    assert.deepEqual(parseSettings('0', '1', '4'), { ok: true, value: { warmup: 0, iterations: 1, threads: 4 } });
  });

  test('bad fields name the field and the limits', () => {
    const bad = parseSettings('10', '0', 'auto');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.field, 'iterations');
    const threads = parseSettings('10', '200', 'many');
    assert.ok(!threads.ok && threads.field === 'threads' && /auto/.test(threads.message));
    assert.ok(!parseSettings('-1', '200', '').ok);
  });
});

function device(over: Partial<Device> = {}): Device {
  return {
    id: 'a'.repeat(64),
    name: 'gw',
    vendor: 'v',
    model: 'EdgeBox X1',
    serial: 's',
    firmware: '1.0.0',
    paths: [],
    state: 'online',
    firstSeen: 0,
    lastSeen: 0,
    authenticated: true,
    ...over,
  };
}

describe('choices', () => {
  test('a gateway needs to answer, to have described itself and to hold a model', () => {
    assert.match((gatewayChoice(device({ state: 'lost' })) as { reason: string }).reason, /not answering/);
    assert.match((gatewayChoice(device()) as { reason: string }).reason, /described/);
    const descriptor = {
      protocol: 1,
      id: 'a'.repeat(64),
      publicKey: 'ab',
      name: 'gw',
      vendor: 'v',
      model: 'EdgeBox X1',
      hardwareRevision: 'r1',
      serial: 's',
      firmware: { version: '1.0.0', activeSlot: 'a' as const },
      slots: [],
      models: [],
      accelerators: [],
      capabilities: [],
      maxFrame: 65536,
    };
    assert.match((gatewayChoice(device({ descriptor })) as { reason: string }).reason, /flash a model bundle/);
    const withModel = { ...descriptor, models: [{ name: 'Fieldline Demo Classifier', version: '1.0.0', sha256: 'c'.repeat(64) }] };
    assert.deepEqual(gatewayChoice(device({ descriptor: withModel })), { ok: true });
  });

  test('the reference bundle is the verified model bundle with the same name and version', () => {
    const model = { name: 'Fieldline Demo Classifier', version: '1.0.0' };
    const good = bundle();
    assert.equal(bundleForModel([bundle({ status: 'refused' }), good], model), good);
    assert.equal(bundleForModel([bundle({ version: '2.0.0' })], model), undefined);
    assert.equal(bundleForModel([bundle({ kind: 'firmware' })], model), undefined);
  });
});
