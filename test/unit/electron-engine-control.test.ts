/**
 * Control messages between main and the engine process: the new ones are validated on arrival;
 * anything malformed is dropped (null), never trusted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFromEngine, parseToEngine } from '../../electron/engine-control.js';

const JOB = 'c'.repeat(32);

describe('engine control messages', () => {
  test('resume-interrupted carries job ids only', () => {
    assert.deepEqual(parseToEngine({ type: 'resume-interrupted', skip: [JOB] }), { type: 'resume-interrupted', skip: [JOB] });
    assert.equal(parseToEngine({ type: 'resume-interrupted', skip: ['../etc'] }), null);
    assert.equal(parseToEngine({ type: 'resume-interrupted' }), null);
  });

  test('host events are the two shell events with valid payloads', () => {
    assert.deepEqual(parseToEngine({ type: 'host-event', event: 'app.command', data: { command: 'view.flash' } }), {
      type: 'host-event',
      event: 'app.command',
      data: { command: 'view.flash' },
    });
    const status = { state: 'restarting', reason: 'exit code 139', restarts: 1, resumedJobs: 0 };
    assert.deepEqual(parseToEngine({ type: 'host-event', event: 'engine.status', data: status }), {
      type: 'host-event',
      event: 'engine.status',
      data: status,
    });
    assert.equal(parseToEngine({ type: 'host-event', event: 'app.command', data: { command: 'shell.exec' } }), null);
    assert.equal(parseToEngine({ type: 'host-event', event: 'flash.progress', data: {} }), null, 'the shell cannot fake engine events');
    assert.equal(parseToEngine({ type: 'host-event', event: 'engine.status', data: { ...status, state: 'exploded' } }), null);
  });

  test('activity round trip', () => {
    assert.deepEqual(parseToEngine({ type: 'activity', request: 3 }), { type: 'activity', request: 3 });
    assert.equal(parseToEngine({ type: 'activity', request: -1 }), null);
    const answer = { type: 'activity', request: 3, flash: [{ jobId: JOB, gateways: ['gw-1'] }], bench: [] };
    assert.deepEqual(parseFromEngine(answer), answer);
    assert.equal(parseFromEngine({ ...answer, flash: 'lots' }), null);
  });

  test('resumed reports job ids and reasons', () => {
    const message = { type: 'resumed', jobIds: [JOB], skipped: [{ jobId: JOB, reason: 'bundle removed' }] };
    assert.deepEqual(parseFromEngine(message), message);
    assert.equal(parseFromEngine({ type: 'resumed', jobIds: 'all', skipped: [] }), null);
  });

  test('the original messages still parse', () => {
    assert.deepEqual(parseToEngine({ type: 'shutdown' }), { type: 'shutdown' });
    assert.deepEqual(parseFromEngine({ type: 'ready' }), { type: 'ready' });
    assert.equal(parseToEngine('shutdown'), null);
    assert.equal(parseFromEngine(null), null);
  });
});
