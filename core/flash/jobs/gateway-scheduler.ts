/**
 * Which queued gateway starts next, across every running job.
 *
 * Three limits at once: each job's own `parallel`, an engine-wide cap on gateways being flashed
 * (the laptop's CPU, disk and radio are shared by every job), and one job at a time per gateway.
 *
 * Jobs take turns (round-robin, in the order they were started), so a big job cannot starve a
 * small one started after it. A gateway queued in two jobs goes to the job started first: the
 * second job's target waits (state `pending`) until the first is done with it. Waiting rather
 * than refusing keeps the technician's intent — "an OS image, then a model" started as two jobs
 * runs in that order on each gateway instead of failing one of them.
 */

export interface QueuedJob {
  readonly id: string;
  /** Gateways waiting to start, in the job's order. */
  readonly queue: readonly string[];
  readonly active: number;
  readonly parallel: number;
}

export interface Pick {
  readonly jobId: string;
  readonly deviceId: string;
}

/**
 * The next gateway to start, or null when every limit is reached or every queued gateway is busy.
 *
 * `jobs` are in start order; `after` is the job that started a gateway last (the turn passes to
 * the one after it); `busy` are the gateways some job is flashing now.
 */
export function nextStart(
  jobs: readonly QueuedJob[],
  busy: ReadonlySet<string>,
  activeTotal: number,
  maxActive: number,
  after: string | null,
): Pick | null {
  if (activeTotal >= maxActive || jobs.length === 0) return null;
  const from = after === null ? 0 : jobs.findIndex((j) => j.id === after) + 1;
  for (let k = 0; k < jobs.length; k++) {
    const index = (from + k) % jobs.length;
    const job = jobs[index]!;
    if (job.active >= job.parallel) continue;
    const deviceId = job.queue.find((d) => !busy.has(d) && !queuedEarlier(jobs, index, d));
    if (deviceId !== undefined) return { jobId: job.id, deviceId };
  }
  return null;
}

/** A job started before this one still has the gateway queued: it goes first. */
function queuedEarlier(jobs: readonly QueuedJob[], index: number, deviceId: string): boolean {
  for (let i = 0; i < index; i++) if (jobs[i]!.queue.includes(deviceId)) return true;
  return false;
}
