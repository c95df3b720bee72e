/**
 * Quitting with jobs running: quit at once when nothing runs, otherwise a prompt that names the
 * jobs and gateways, and the three choices.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUIT_BUTTONS, quitChoice, quitDecision, waitIsOver } from '../../electron/shutdown-policy.js';

const idle = { flash: [], bench: [] };

describe('quit decision', () => {
  test('nothing running, or no engine to ask: quit', () => {
    assert.deepEqual(quitDecision(idle), { kind: 'quit', why: 'nothing is running' });
    assert.equal(quitDecision(null).kind, 'quit');
    assert.equal(waitIsOver(idle), true);
    assert.equal(waitIsOver(null), true, 'an engine that went away has nothing left to wait for');
  });

  test('flash jobs running: names the count and the gateways, and offers wait, quit anyway, cancel', () => {
    const decision = quitDecision({
      flash: [
        { jobId: 'j1', gateways: ['gw-01', 'gw-02'] },
        { jobId: 'j2', gateways: ['gw-07'] },
      ],
      bench: [],
    });
    assert.equal(decision.kind, 'ask');
    if (decision.kind !== 'ask') return;
    assert.equal(decision.prompt.message, '2 flash jobs are running on gateways gw-01, gw-02 and gw-07.');
    assert.equal(
      decision.prompt.detail,
      'Quitting now interrupts them; they can be resumed next time (the gateways keep what they received).',
    );
    assert.deepEqual(decision.prompt.buttons, ['Wait for them to finish', 'Quit anyway', 'Cancel']);
    assert.equal(decision.prompt.buttons[decision.prompt.defaultId], 'Wait for them to finish');
    assert.equal(decision.prompt.buttons[decision.prompt.cancelId], 'Cancel');
    assert.equal(waitIsOver({ flash: [{ jobId: 'j1', gateways: ['gw-01'] }], bench: [] }), false);
  });

  test('one job on one gateway reads naturally; many gateways are cut short', () => {
    const one = quitDecision({ flash: [{ jobId: 'j', gateways: ['gw-01'] }], bench: [] });
    assert.equal(one.kind === 'ask' && one.prompt.message, '1 flash job is running on gateway gw-01.');
    const many = quitDecision({ flash: [{ jobId: 'j', gateways: Array.from({ length: 9 }, (_, i) => `gw-${i}`) }], bench: [] });
    assert.equal(many.kind === 'ask' && many.prompt.message, '1 flash job is running on gateways gw-0, gw-1, gw-2, gw-3, gw-4 and 4 more.');
  });

  test('benchmarks count too', () => {
    const bench = quitDecision({ flash: [], bench: [{ deviceId: 'd', deviceName: 'gw-09' }] });
    assert.equal(bench.kind === 'ask' && bench.prompt.message, 'A benchmark is running on gw-09.');
    assert.match(bench.kind === 'ask' ? bench.prompt.detail : '', /partial results are kept/);
    const both = quitDecision({
      flash: [{ jobId: 'j', gateways: ['gw-01'] }],
      bench: [
        { deviceId: 'd', deviceName: 'gw-09' },
        { deviceId: 'e', deviceName: 'gw-10' },
      ],
    });
    assert.equal(
      both.kind === 'ask' && both.prompt.message,
      '1 flash job is running on gateway gw-01. 2 benchmarks are running on gw-09 and gw-10.',
    );
  });

  test('the dialog answer maps to a choice; anything unexpected cancels', () => {
    assert.deepEqual([0, 1, 2, -1, 7].map(quitChoice), ['wait', 'quit', 'cancel', 'cancel', 'cancel']);
    assert.equal(QUIT_BUTTONS.length, 3);
  });
});
