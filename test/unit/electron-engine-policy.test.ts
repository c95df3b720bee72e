/**
 * The engine host's restart and report policy as a state machine: backoff, giving up, what the
 * page is told, which jobs a restarted engine resumes, and the crash-loop guard.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKOFF_MS,
  engineExited,
  engineReady,
  engineResumed,
  engineStartedByUser,
  HEALTHY_AFTER_MS,
  initialPolicy,
  MAX_FAILURES,
  resumeSkipList,
  type EnginePolicy,
} from '../../electron/engine-policy.js';

const JOB_A = 'a'.repeat(32);
const JOB_B = 'b'.repeat(32);

function crash(policy: EnginePolicy, reason = 'the engine process exited with code 139', ranForMs = 100) {
  return engineExited(policy, { ranForMs, reason });
}

describe('engine restart policy', () => {
  test('the first start resumes nothing and says nothing new to the page', () => {
    const { policy, resume } = engineReady(initialPolicy());
    assert.equal(resume, null);
    assert.deepEqual(policy.status, { state: 'running', reason: null, restarts: 0, resumedJobs: 0 });
  });

  test('a crash: restart after the backoff, the page told why, the new engine resumes, then "running"', () => {
    const first = crash(initialPolicy(), 'out of memory');
    assert.deepEqual(first.decision, { kind: 'restart', delayMs: BACKOFF_MS[0], attempt: 1 });
    assert.deepEqual(first.policy.status, { state: 'restarting', reason: 'out of memory', restarts: 1, resumedJobs: 0 });
    const ready = engineReady(first.policy);
    assert.deepEqual(ready.resume, { skip: [] });
    assert.equal(ready.policy.status.state, 'restarting', 'the banner stays until the jobs are resumed');
    const back = engineResumed(ready.policy, [JOB_A]);
    assert.deepEqual(back.status, { state: 'running', reason: null, restarts: 1, resumedJobs: 1 });
    assert.deepEqual(back.resumedByCurrent, [JOB_A]);
  });

  test('backoff grows with consecutive failures, then the host gives up with the last reason', () => {
    let policy = initialPolicy();
    const delays: number[] = [];
    for (let i = 1; i <= MAX_FAILURES; i++) {
      const next = crash(policy, `reason ${i}`);
      assert.equal(next.decision.kind, 'restart');
      if (next.decision.kind === 'restart') delays.push(next.decision.delayMs);
      policy = next.policy;
    }
    assert.deepEqual(delays, [...BACKOFF_MS]);
    const last = crash(policy, 'cannot open the store');
    assert.deepEqual(last.decision, { kind: 'give-up' });
    assert.deepEqual(last.policy.status, { state: 'failed', reason: 'cannot open the store', restarts: MAX_FAILURES, resumedJobs: 0 });
    assert.equal(engineStartedByUser(last.policy).failures, 0, 'a start by the user tries again from the first delay');
  });

  test('an engine that stayed up long enough has recovered: its crash starts the backoff again', () => {
    let policy = initialPolicy();
    for (let i = 0; i < 4; i++) policy = crash(policy).policy;
    const after = crash(policy, 'late crash', HEALTHY_AFTER_MS);
    assert.deepEqual(after.decision, { kind: 'restart', delayMs: BACKOFF_MS[0], attempt: 1 });
    assert.equal(after.policy.restarts, 5, 'restarts since launch still count');
  });

  test('crash-loop guard: a job whose resume crashed the engine twice is not resumed again', () => {
    let policy = crash(initialPolicy()).policy; // the original crash: jobs A and B were running
    policy = engineResumed(engineReady(policy).policy, [JOB_A, JOB_B]);
    policy = crash(policy).policy; // crash 1 while A and B were resumed
    let ready = engineReady(policy);
    assert.deepEqual(ready.resume, { skip: [] }, 'one crash is not a loop');
    policy = engineResumed(ready.policy, [JOB_A]); // B finished or was not interrupted this time
    policy = crash(policy).policy; // crash 2 with A resumed
    ready = engineReady(policy);
    assert.deepEqual(ready.resume, { skip: [JOB_A] });
    assert.deepEqual(resumeSkipList(ready.policy), [JOB_A]);
    policy = engineResumed(ready.policy, [JOB_B]);
    policy = crash(policy).policy;
    assert.deepEqual(engineReady(policy).resume, { skip: [JOB_A, JOB_B] }, 'B reached two crashes as well');
  });

  test('a job resumed by an engine that is then stopped cleanly is not counted', () => {
    const policy = engineResumed(engineReady(crash(initialPolicy()).policy).policy, [JOB_A]);
    // No exit reported (a clean stop is not a crash): nothing counted.
    assert.deepEqual(policy.resumeCrashes, {});
  });
});
