/**
 * The jobs the Flash view shows, kept current from whole jobs (start, list, retry) and progress
 * events, whichever arrives first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlashJob } from '../../core/api/schemas.js';
import { NO_JOBS, applyJob, applyJobs, applyProgress, jobsNewestFirst, runningJobs, targetKey } from '../../renderer/flash/job-state.js';
import { BUNDLE_ID, target } from './renderer-flash-fixtures.js';

const JOB = 'c'.repeat(32);
const GW1 = '1'.repeat(64);
const GW2 = '2'.repeat(64);

function job(over: Partial<FlashJob> = {}): FlashJob {
  return {
    id: JOB,
    bundleId: BUNDLE_ID,
    bundleName: 'Fieldline Demo Classifier',
    bundleKind: 'model',
    bundleVersion: '1.0.0',
    createdAt: 10,
    updatedAt: 10,
    parallel: 4,
    state: 'running',
    targets: [target({ deviceId: GW1, updatedAt: 10 }), target({ deviceId: GW2, deviceName: 'gw-02', updatedAt: 10 })],
    ...over,
  };
}

describe('job state', () => {
  test('a progress event updates its target and the job state', () => {
    let s = applyJob(NO_JOBS, job());
    s = applyProgress(s, {
      jobId: JOB,
      jobState: 'running',
      target: target({ deviceId: GW1, state: 'running', step: 'transfer', bytesSent: 5, bytesTotal: 10, updatedAt: 11 }),
    });
    const t = s.jobs.get(JOB)!.targets.find((x) => x.deviceId === GW1)!;
    assert.equal(t.bytesSent, 5);
    assert.equal(s.jobs.get(JOB)!.targets.length, 2);
    assert.equal(s.reached.get(targetKey(JOB, GW1)), 'transfer');
  });

  test('an older event never overwrites a newer target', () => {
    let s = applyJob(NO_JOBS, job());
    s = applyProgress(s, {
      jobId: JOB,
      jobState: 'running',
      target: target({ deviceId: GW1, state: 'running', step: 'install', updatedAt: 20 }),
    });
    s = applyProgress(s, {
      jobId: JOB,
      jobState: 'running',
      target: target({ deviceId: GW1, state: 'running', step: 'transfer', updatedAt: 15 }),
    });
    assert.equal(s.jobs.get(JOB)!.targets.find((x) => x.deviceId === GW1)!.step, 'install');
  });

  test('events that arrive before the job are kept and applied when it arrives', () => {
    let s = applyProgress(NO_JOBS, {
      jobId: JOB,
      jobState: 'running',
      target: target({ deviceId: GW2, state: 'running', step: 'transfer', updatedAt: 12 }),
    });
    assert.equal(s.jobs.size, 0);
    s = applyJob(s, job());
    const t = s.jobs.get(JOB)!.targets.find((x) => x.deviceId === GW2)!;
    assert.equal(t.step, 'transfer');
    assert.equal(s.early.size, 0);
  });

  test('a reloaded list does not undo newer progress', () => {
    let s = applyJob(NO_JOBS, job());
    s = applyProgress(s, {
      jobId: JOB,
      jobState: 'succeeded',
      target: target({ deviceId: GW1, state: 'succeeded', step: 'done', updatedAt: 30 }),
    });
    s = applyJobs(s, [job({ updatedAt: 20 })]);
    assert.equal(s.jobs.get(JOB)!.targets.find((x) => x.deviceId === GW1)!.state, 'succeeded');
  });

  test('the last main step seen is remembered where a rollback began', () => {
    let s = applyJob(NO_JOBS, job());
    s = applyProgress(s, {
      jobId: JOB,
      jobState: 'running',
      target: target({ deviceId: GW1, state: 'running', step: 'health', updatedAt: 11 }),
    });
    s = applyProgress(s, {
      jobId: JOB,
      jobState: 'running',
      target: target({ deviceId: GW1, state: 'running', step: 'rollback', updatedAt: 12 }),
    });
    assert.equal(s.reached.get(targetKey(JOB, GW1)), 'health');
  });

  test('newest job first; running ones listed for the banner', () => {
    const older = job({ id: 'd'.repeat(32), createdAt: 1, state: 'succeeded' });
    const s = applyJobs(NO_JOBS, [older, job()]);
    assert.deepEqual(
      jobsNewestFirst(s).map((j) => j.id),
      [JOB, 'd'.repeat(32)],
    );
    assert.deepEqual(
      runningJobs(s).map((j) => j.id),
      [JOB],
    );
  });
});
