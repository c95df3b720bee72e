/**
 * The status bar's running-jobs item: how many gateways are being flashed and how far along.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlashJob } from '../../core/api/schemas.js';
import { flashStatus, targetFraction } from '../../renderer/status/flash-status.js';
import { BUNDLE_ID, target } from './renderer-flash-fixtures.js';

const GW1 = '1'.repeat(64);
const GW2 = '2'.repeat(64);
const GW3 = '3'.repeat(64);

function job(id: string, over: Partial<FlashJob> = {}): FlashJob {
  return {
    id: id.repeat(32).slice(0, 32),
    bundleId: BUNDLE_ID,
    bundleName: 'Demo OS',
    bundleKind: 'os-image',
    bundleVersion: '1.0.0',
    createdAt: 10,
    updatedAt: 10,
    parallel: 4,
    state: 'running',
    targets: [],
    ...over,
  };
}

describe('status bar: running flash jobs', () => {
  test('nothing running: no item', () => {
    assert.equal(flashStatus([]), null);
    assert.equal(flashStatus([job('a', { state: 'succeeded', targets: [target({ state: 'succeeded', step: 'done' })] })]), null);
    // A job still marked running whose gateways have all finished shows nothing either.
    assert.equal(flashStatus([job('a', { targets: [target({ state: 'failed', step: 'transfer' })] })]), null);
  });

  test('two gateways of one job: "Flashing 2 gateways · 61 %", and the job to open', () => {
    const status = flashStatus([
      job('a', {
        targets: [
          // 0.8 × 50 % of the bytes = 40 %
          target({ deviceId: GW1, state: 'running', step: 'transfer', bytesSent: 500, bytesTotal: 1000 }),
          // transfer done (80 %) and half of verify, the first of five later steps (2 %) = 82 %
          target({ deviceId: GW2, state: 'running', step: 'verify', bytesSent: 1000, bytesTotal: 1000 }),
          target({ deviceId: GW3, state: 'succeeded', step: 'done', bytesSent: 1000, bytesTotal: 1000 }),
        ],
      }),
    ]);
    assert.ok(status);
    assert.equal(status.gateways, 2);
    assert.equal(status.percent, 61);
    assert.equal(status.label, 'Flashing 2 gateways · 61 %');
    assert.equal(status.jobId, 'a'.repeat(32));
  });

  test('a waiting gateway counts at 0 %, one gateway reads in the singular', () => {
    const one = flashStatus([job('a', { targets: [target({ deviceId: GW1, state: 'pending' })] })]);
    assert.equal(one?.label, 'Flashing 1 gateway · 0 %');
    const half = flashStatus([
      job('a', {
        targets: [
          target({ deviceId: GW1, state: 'pending' }),
          target({ deviceId: GW2, state: 'running', step: 'transfer', bytesSent: 1000, bytesTotal: 1000 }),
        ],
      }),
    ]);
    assert.equal(half?.percent, 40);
  });

  test('several jobs: every busy gateway counted, the jobs named, no single job to open', () => {
    const status = flashStatus([
      job('a', { targets: [target({ deviceId: GW1, state: 'running', step: 'health', bytesSent: 10, bytesTotal: 10 })] }),
      job('b', { targets: [target({ deviceId: GW2, state: 'running', step: 'preflight' })] }),
    ]);
    assert.equal(status?.label, `Flashing 2 gateways in 2 jobs · ${status?.percent} %`);
    assert.equal(status?.jobId, null);
  });

  test('never 100 % while something runs; each step moves the figure forward', () => {
    const steps = ['transfer', 'verify', 'install', 'activate', 'health', 'confirm'] as const;
    const fractions = steps.map((step) => targetFraction({ state: 'running', step, bytesSent: 10, bytesTotal: 10 }));
    for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i]! > fractions[i - 1]!, `${steps[i]} is past ${steps[i - 1]}`);
    const last = flashStatus([job('a', { targets: [target({ state: 'running', step: 'confirm', bytesSent: 10, bytesTotal: 10 })] })]);
    assert.ok(last!.percent < 100);
    assert.equal(targetFraction({ state: 'running', step: 'transfer', bytesSent: 0, bytesTotal: 0 }), 0);
  });
});
