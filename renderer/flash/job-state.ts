/**
 * The flash jobs the laptop knows, kept current from `flash.list` and the `flash.progress` events.
 *
 * Pure (no React, no DOM) so the unit tests run it under Node. Events may arrive before the
 * `flash.start` answer and out of order with a reload: the newest `updatedAt` per target wins.
 */
import type { FlashJob, FlashProgress, FlashTarget } from '../../core/api/schemas.js';
import { isMainStep, type MainStep } from './progress-format.js';

export interface JobsState {
  readonly jobs: ReadonlyMap<string, FlashJob>;
  /** Last main step each target was seen on (`jobId:deviceId` → step): where a rollback began. */
  readonly reached: ReadonlyMap<string, MainStep>;
  /** Targets of jobs not known yet (their `flash.start` answer is still on its way), by job id. */
  readonly early: ReadonlyMap<string, readonly FlashTarget[]>;
}

export const NO_JOBS: JobsState = { jobs: new Map(), reached: new Map(), early: new Map() };

export function targetKey(jobId: string, deviceId: string): string {
  return `${jobId}:${deviceId}`;
}

function noteReached(reached: Map<string, MainStep>, jobId: string, target: FlashTarget): void {
  if (isMainStep(target.step)) reached.set(targetKey(jobId, target.deviceId), target.step);
}

function mergeTarget(targets: readonly FlashTarget[], next: FlashTarget): FlashTarget[] {
  const at = targets.findIndex((t) => t.deviceId === next.deviceId);
  if (at < 0) return [...targets, next];
  if (targets[at]!.updatedAt > next.updatedAt) return [...targets];
  return targets.map((t, i) => (i === at ? next : t));
}

/** A whole job as the engine returned it (start, retry, cancel, list); newer targets we hold stay. */
export function applyJob(state: JobsState, job: FlashJob): JobsState {
  const held = state.jobs.get(job.id);
  let targets: FlashTarget[] = [...job.targets];
  for (const t of [...(held?.targets ?? []), ...(state.early.get(job.id) ?? [])]) targets = mergeTarget(targets, t);
  const merged: FlashJob = held !== undefined && held.updatedAt > job.updatedAt ? { ...held, targets } : { ...job, targets };
  const reached = new Map(state.reached);
  for (const t of job.targets) noteReached(reached, job.id, t);
  const early = new Map(state.early);
  early.delete(job.id);
  return { jobs: new Map(state.jobs).set(job.id, merged), reached, early };
}

export function applyJobs(state: JobsState, jobs: readonly FlashJob[]): JobsState {
  return jobs.reduce(applyJob, state);
}

/**
 * One progress event. For a job not known yet (its `flash.start` answer is still on its way, or
 * another window started it) the target is kept aside until the job itself arrives; the caller
 * asks the engine for that job.
 */
export function applyProgress(state: JobsState, event: FlashProgress): JobsState {
  const reached = new Map(state.reached);
  noteReached(reached, event.jobId, event.target);
  const held = state.jobs.get(event.jobId);
  if (held === undefined) {
    const early = new Map(state.early).set(event.jobId, mergeTarget(state.early.get(event.jobId) ?? [], event.target));
    return { jobs: state.jobs, reached, early };
  }
  const job: FlashJob = {
    ...held,
    state: event.jobState,
    updatedAt: Math.max(held.updatedAt, event.target.updatedAt),
    targets: mergeTarget(held.targets, event.target),
  };
  return { jobs: new Map(state.jobs).set(job.id, job), reached, early: state.early };
}

/** Newest first: the job the technician just started leads. */
export function jobsNewestFirst(state: JobsState): readonly FlashJob[] {
  return [...state.jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
}

export function runningJobs(state: JobsState): readonly FlashJob[] {
  return jobsNewestFirst(state).filter((j) => j.state === 'running');
}
