/**
 * How flash progress reads: bytes, rate, ETA, the step chips, what is left, and the result.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canCancel,
  canRetry,
  formatBytes,
  formatEta,
  formatRate,
  jobTally,
  percent,
  stepChips,
  stepsLeft,
  targetStatus,
} from '../../renderer/flash/progress-format.js';
import { target } from './renderer-flash-fixtures.js';

describe('numbers', () => {
  test('ETA', () => {
    assert.equal(formatEta(null), '—');
    assert.equal(formatEta(-1), '—');
    assert.equal(formatEta(Number.POSITIVE_INFINITY), '—');
    assert.equal(formatEta(0), 'about 0 s');
    assert.equal(formatEta(4.2), 'about 5 s');
    assert.equal(formatEta(59), 'about 59 s');
    assert.equal(formatEta(60), 'about 1 min 00 s');
    assert.equal(formatEta(125), 'about 2 min 05 s');
    assert.equal(formatEta(3600 + 180), 'about 1 h 03 min');
  });
  test('rate', () => {
    assert.equal(formatRate(0), '—');
    assert.equal(formatRate(Number.NaN), '—');
    assert.equal(formatRate(512), '512 B/s');
    assert.equal(formatRate(1.5 * 1024 * 1024), '1.5 MiB/s');
  });
  test('bytes and percent', () => {
    assert.equal(percent(0, 0), 0);
    assert.equal(percent(1, 3), 33);
    assert.equal(percent(5, 3), 100);
    assert.equal(formatBytes(1024 * 1024, 4 * 1024 * 1024), '1.0 MiB of 4.0 MiB (25 %)');
    assert.equal(formatBytes(100, 0), '100 B');
  });
});

describe('stepChips', () => {
  const states = (chips: ReturnType<typeof stepChips>): string => chips.map((c) => `${c.step}:${c.state}`).join(' ');

  test('a pending target has everything to do', () => {
    const chips = stepChips(target(), null);
    assert.ok(chips.every((c) => c.state === 'todo'));
    assert.equal(stepsLeft(chips), 'Left: preflight, transfer, verify on gateway, install, activate (reboot), health check, confirm');
  });
  test('during transfer: preflight done, transfer current, the rest left', () => {
    const chips = stepChips(target({ state: 'running', step: 'transfer' }), 'transfer');
    assert.equal(states(chips), 'preflight:done transfer:current verify:todo install:todo activate:todo health:todo confirm:todo');
    assert.equal(stepsLeft(chips), 'Left: verify on gateway, install, activate (reboot), health check, confirm');
  });
  test('succeeded: every step done, nothing left', () => {
    const chips = stepChips(target({ state: 'succeeded', step: 'done' }), 'confirm');
    assert.ok(chips.every((c) => c.state === 'done'));
    assert.equal(stepsLeft(chips), null);
  });
  test('failed at verify: verify failed, later steps never happen', () => {
    const chips = stepChips(target({ state: 'failed', step: 'verify' }), 'verify');
    assert.equal(
      states(chips),
      'preflight:done transfer:done verify:failed install:skipped activate:skipped health:skipped confirm:skipped',
    );
  });
  test('rolled back after a failed health check: health failed, rollback done, no confirm', () => {
    const chips = stepChips(target({ state: 'failed', step: 'rollback', rollback: 'rolled-back-by-gateway' }), 'health');
    assert.equal(states(chips), 'preflight:done transfer:done verify:done install:done activate:done health:failed rollback:done');
  });
  test('rolling back right now shows rollback as the current step', () => {
    const chips = stepChips(target({ state: 'running', step: 'rollback' }), 'activate');
    assert.equal(chips.at(-1)!.state, 'current');
    assert.equal(chips.find((c) => c.step === 'activate')!.state, 'failed');
  });
  test('a failed rollback is a failed chip', () => {
    const chips = stepChips(target({ state: 'failed', step: 'rollback', rollback: 'rollback-failed' }), 'health');
    assert.equal(chips.at(-1)!.state, 'failed');
  });
  test('skipped and cancelled', () => {
    assert.ok(stepChips(target({ state: 'skipped' }), null).every((c) => c.state === 'skipped'));
    const cancelled = stepChips(target({ state: 'cancelled', step: 'install' }), 'install');
    assert.equal(cancelled.find((c) => c.step === 'install')!.state, 'cancelled');
  });
  test('interrupted keeps the rest to do (retry resumes)', () => {
    const chips = stepChips(target({ state: 'interrupted', step: 'transfer' }), 'transfer');
    assert.equal(states(chips).split(' ').slice(0, 3).join(' '), 'preflight:done transfer:failed verify:todo');
  });
});

describe('targetStatus', () => {
  test('running names the step and what happens in it', () => {
    const s = targetStatus(target({ state: 'running', step: 'install' }));
    assert.equal(s.tone, 'busy');
    assert.match(s.headline, /^Install: Writing the inactive slot$/);
  });
  test('succeeded names the versions', () => {
    const s = targetStatus(target({ state: 'succeeded', step: 'done', fromVersion: '0.9.0', toVersion: '1.0.0' }));
    assert.equal(s.tone, 'ok');
    assert.equal(s.headline, 'Succeeded: 0.9.0 → 1.0.0 is running and confirmed');
  });
  test('failed carries the reason, its code and the rollback outcome', () => {
    const s = targetStatus(
      target({
        state: 'failed',
        step: 'rollback',
        error: { code: 'health_failed', message: 'golden case 2 differs' },
        rollback: 'rolled-back-by-gateway',
      }),
    );
    assert.equal(s.tone, 'error');
    assert.equal(s.headline, 'Failed at roll back');
    assert.deepEqual(s.reason, { code: 'health_failed', message: 'golden case 2 differs' });
    assert.match(s.rollback!, /rolled itself back/);
  });
  test('cancel and retry are offered only where they mean something', () => {
    assert.equal(canCancel(target({ state: 'running' })), true);
    assert.equal(canCancel(target({ state: 'pending' })), true);
    assert.equal(canCancel(target({ state: 'succeeded' })), false);
    assert.equal(canRetry(target({ state: 'failed' })), true);
    assert.equal(canRetry(target({ state: 'interrupted' })), true);
    assert.equal(canRetry(target({ state: 'cancelled' })), true);
    assert.equal(canRetry(target({ state: 'succeeded' })), false);
    assert.equal(canRetry(target({ state: 'skipped' })), false);
  });
});

test('jobTally sums the job for its headline, with the longest ETA of the transfers running', () => {
  const t = jobTally({
    targets: [
      target({ deviceId: '1'.repeat(64), state: 'succeeded', step: 'done' }),
      target({ deviceId: '2'.repeat(64), state: 'running', step: 'transfer', etaSeconds: 12 }),
      target({ deviceId: '3'.repeat(64), state: 'running', step: 'transfer', etaSeconds: 30 }),
      target({ deviceId: '4'.repeat(64), state: 'failed', step: 'verify' }),
      target({ deviceId: '5'.repeat(64), state: 'pending' }),
      target({ deviceId: '6'.repeat(64), state: 'running', step: 'install', etaSeconds: 99 }),
      target({ deviceId: '7'.repeat(64), state: 'cancelled', step: 'install' }),
    ],
  });
  assert.equal(t.etaSeconds, 30);
  assert.equal(t.text, '1 of 7 succeeded · 1 failed · 3 running · 1 waiting · 1 cancelled · transfer about 30 s left');
});
