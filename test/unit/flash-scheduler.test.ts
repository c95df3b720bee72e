/**
 * The cross-job scheduler: the engine-wide cap, each job's own limit, one job per gateway, turns
 * between jobs, and first-started-first-served for a gateway queued in two jobs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStart, type QueuedJob } from '../../core/flash/jobs/gateway-scheduler.js';

/** Runs the scheduler to a standstill, the way the runner does, and returns what it started. */
function fill(jobs: QueuedJob[], maxActive: number, busy = new Set<string>()): string[] {
  const started: string[] = [];
  let total = jobs.reduce((n, j) => n + j.active, 0);
  let after: string | null = null;
  for (;;) {
    const pick = nextStart(jobs, busy, total, maxActive, after);
    if (!pick) return started;
    const i = jobs.findIndex((j) => j.id === pick.jobId);
    const job = jobs[i]!;
    jobs[i] = { ...job, queue: job.queue.filter((d) => d !== pick.deviceId), active: job.active + 1 };
    busy.add(pick.deviceId);
    total++;
    after = pick.jobId;
    started.push(`${pick.jobId}:${pick.deviceId}`);
  }
}

describe('flash scheduler', () => {
  test('the engine-wide cap holds over the jobs’ own limits', () => {
    const jobs = [
      { id: 'A', queue: ['a1', 'a2', 'a3', 'a4'], active: 0, parallel: 4 },
      { id: 'B', queue: ['b1', 'b2', 'b3', 'b4'], active: 0, parallel: 4 },
    ];
    assert.deepEqual(fill(jobs, 3), ['A:a1', 'B:b1', 'A:a2']);
  });

  test('each job keeps its own limit under the cap', () => {
    const jobs = [
      { id: 'A', queue: ['a1', 'a2', 'a3'], active: 0, parallel: 1 },
      { id: 'B', queue: ['b1', 'b2', 'b3'], active: 0, parallel: 2 },
    ];
    assert.deepEqual(fill(jobs, 8), ['A:a1', 'B:b1', 'B:b2']);
  });

  test('jobs take turns after the one served last', () => {
    const jobs = [
      { id: 'A', queue: ['a2'], active: 1, parallel: 4 },
      { id: 'B', queue: ['b2'], active: 1, parallel: 4 },
      { id: 'C', queue: ['c1'], active: 0, parallel: 4 },
    ];
    assert.deepEqual(nextStart(jobs, new Set(), 2, 3, 'A'), { jobId: 'B', deviceId: 'b2' });
    assert.deepEqual(nextStart(jobs, new Set(), 2, 3, 'B'), { jobId: 'C', deviceId: 'c1' });
    assert.deepEqual(nextStart(jobs, new Set(), 2, 3, 'C'), { jobId: 'A', deviceId: 'a2' });
    assert.equal(nextStart(jobs, new Set(), 3, 3, 'C'), null, 'the cap is reached');
  });

  test('a gateway another job is flashing is skipped, not waited on, by the rest of the queue', () => {
    const jobs = [{ id: 'B', queue: ['g1', 'g2'], active: 0, parallel: 4 }];
    assert.deepEqual(fill(jobs, 8, new Set(['g1'])), ['B:g2']);
  });

  test('a gateway queued in two jobs goes to the job started first', () => {
    const jobs = [
      { id: 'A', queue: ['g1', 'g2'], active: 1, parallel: 1 },
      { id: 'B', queue: ['g2', 'g3'], active: 0, parallel: 4 },
    ];
    // A is at its own limit: B may not jump ahead on g2, but g3 is free.
    assert.deepEqual(nextStart(jobs, new Set(['g0']), 1, 8, 'A'), { jobId: 'B', deviceId: 'g3' });
    const laterOnly = [jobs[0]!, { ...jobs[1]!, queue: ['g2'] }];
    assert.equal(nextStart(laterOnly, new Set(['g0']), 1, 8, 'A'), null);
  });

  test('nothing starts when nothing is queued or the cap is zero-width', () => {
    assert.equal(nextStart([], new Set(), 0, 8, null), null);
    assert.equal(nextStart([{ id: 'A', queue: ['g'], active: 0, parallel: 1 }], new Set(), 2, 2, null), null);
  });
});
