/**
 * Flash jobs: many gateways at once under a concurrency limit, each with live progress, cancel
 * and retry, all kept in SQLite so a job outlives the app that started it.
 *
 * Limits: each job's `parallel`, an engine-wide `maxActive` over every job, and one job at a time
 * per gateway (gateway-scheduler.ts says which queued gateway goes next).
 *
 * Jobs found `running` when the runner starts belonged to an app that died: they are marked
 * `interrupted` and `retry` resumes them (the gateway still holds the bytes it received).
 */
import { randomBytes } from 'node:crypto';
import type {
  DeviceDescriptor,
  DevicePath,
  FlashJob,
  FlashJobDetail,
  FlashProgress,
  FlashStep,
  FlashStepOutcome,
  FlashTarget,
} from '../../api/schemas.js';
import type { Db } from '../../store/database.js';
import { runDeviceFlow } from './device-flow.js';
import { nextStart } from './gateway-scheduler.js';
import { DEFAULT_TIMING, type FlashBundle, type FlashSession, type FlashTiming, type LiveFigures, type Verdict } from './flow-types.js';
import { finalJobState, FlashJobStore, type TargetPatch, type TargetRecord } from './job-store.js';
import type { BundleRecord } from './flow-types.js';

export const DEFAULT_PARALLEL = 4;
/** Gateways being flashed at once across every job: what one laptop's CPU and links carry well. */
export const DEFAULT_MAX_ACTIVE = 8;
/** Progress events per gateway at most this often (step changes always go out at once). */
const EMIT_EVERY_MS = 250;
/** Byte counts reach the database at most this often: enough to resume, cheap on a fast link. */
const STORE_EVERY_MS = 1000;

/** The audit log's hook: called for every step of every gateway; throwing on `started` stops that step. */
export type StepHook = (jobId: string, deviceId: string, step: FlashStep, outcome: FlashStepOutcome, detail: string | null) => void;

export interface FlashJobsOptions {
  readonly db: Db;
  /** The library bundle to flash (verified), or a thrown ApiError saying why not. */
  readonly bundle: (id: string) => FlashBundle;
  /** The gateway as the app knows it now, or null when it has not been seen since the app started. */
  readonly known: (deviceId: string) => { readonly name: string; readonly paths: readonly DevicePath[] } | null;
  /**
   * Opens an authenticated session; `stored` are the paths the job reached the gateway over
   * before, for a gateway the app has not seen since it restarted.
   */
  readonly connect: (deviceId: string, stored: readonly DevicePath[]) => Promise<FlashSession>;
  readonly check: (bundleId: string, deviceId: string, descriptor: DeviceDescriptor) => Promise<Verdict>;
  readonly onProgress?: (progress: FlashProgress) => void;
  readonly onStep?: StepHook;
  readonly timing?: Partial<FlashTiming>;
  readonly now?: () => number;
  /** Gateways being flashed at once across every job (each job also keeps its own `parallel`). Default 8. */
  readonly maxActive?: number;
}

function unknownDevice(deviceId: string): FlashJobError {
  return new FlashJobError(
    'unknown_device',
    `no gateway with id ${deviceId.slice(0, 12)}… has been seen, and the job kept no path to it`,
    'Run discovery, or add the gateway by its address.',
  );
}

export class FlashJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

interface Live {
  rateBps: number;
  etaSeconds: number | null;
  bytesSent: number | null;
  resumedFrom: number | null;
  bytesTotal: number | null;
  emittedAt: number;
  storedAt: number;
}

class RunningJob {
  readonly queue: string[] = [];
  readonly controllers = new Map<string, AbortController>();
  active = 0;
  readonly waiters: ((job: FlashJob) => void)[] = [];
  constructor(readonly parallel: number) {}
}

export class FlashJobs {
  private readonly store: FlashJobStore;
  /** Jobs with gateways queued or running, in the order they were started (or retried). */
  private readonly running = new Map<string, RunningJob>();
  private readonly maxActive: number;
  private activeTotal = 0;
  /** Gateways some job is flashing now: no second job may act on one of them at the same time. */
  private readonly busy = new Set<string>();
  /** The job that started a gateway last: the next turn goes to the job after it. */
  private lastServed: string | null = null;
  private readonly live = new Map<string, Live>();
  private readonly timing: FlashTiming;
  private closing = false;
  /** Job ids marked interrupted when this runner opened the store. */
  readonly interruptedAtStart: readonly string[];

  constructor(private readonly options: FlashJobsOptions) {
    this.store = new FlashJobStore(options.db, options.now);
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.maxActive = Math.max(1, options.maxActive ?? DEFAULT_MAX_ACTIVE);
    this.interruptedAtStart = this.store.markInterrupted();
  }

  start(params: { readonly bundleId: string; readonly deviceIds: readonly string[]; readonly parallel?: number }): FlashJob {
    if (this.closing) throw new FlashJobError('engine_closing', 'the engine is shutting down; no new job can start');
    const bundle = this.options.bundle(params.bundleId);
    const deviceIds = [...new Set(params.deviceIds)];
    const targets = deviceIds.map((deviceId) => {
      const device = this.options.known(deviceId);
      if (device === null) throw unknownDevice(deviceId);
      return { deviceId, deviceName: device.name, bytesTotal: bundle.size, paths: device.paths };
    });
    const id = randomBytes(16).toString('hex');
    const parallel = params.parallel ?? DEFAULT_PARALLEL;
    this.store.create({
      id,
      bundleId: bundle.id,
      bundleName: bundle.name,
      bundleKind: bundle.kind,
      bundleVersion: bundle.version,
      parallel,
      ...(bundle.record === undefined ? {} : { bundle: bundle.record }),
      targets,
    });
    this.enqueue(id, parallel, deviceIds);
    return this.job(id);
  }

  /** Runs the job's failed, cancelled, skipped or interrupted gateways (or the given ones) again. */
  retry(jobId: string, deviceIds?: readonly string[]): FlashJob {
    if (this.closing) throw new FlashJobError('engine_closing', 'the engine is shutting down; no job can be retried');
    const job = this.job(jobId);
    this.options.bundle(job.bundleId); // still in the library and verified?
    const again = job.targets.filter(
      (t) =>
        (deviceIds === undefined || deviceIds.includes(t.deviceId)) &&
        t.state !== 'running' &&
        t.state !== 'pending' &&
        t.state !== 'succeeded',
    );
    const unknown = (deviceIds ?? []).filter((d) => !job.targets.some((t) => t.deviceId === d));
    if (unknown.length)
      throw new FlashJobError('unknown_target', `gateway ${unknown[0]!.slice(0, 12)}… is not part of job ${jobId.slice(0, 8)}`);
    if (again.length === 0)
      throw new FlashJobError(
        'nothing_to_retry',
        'every gateway of this job has succeeded or is still running',
        'Start a new job to flash again.',
      );
    // After a restart the registry is empty until discovery runs: the paths the job reached each
    // gateway over are enough to reach it again. A gateway with neither is refused now, not after a wait.
    for (const t of again)
      if (this.options.known(t.deviceId) === null && (this.store.record(jobId, t.deviceId)?.paths.length ?? 0) === 0)
        throw unknownDevice(t.deviceId);
    for (const t of again) this.store.updateTarget(jobId, t.deviceId, { state: 'pending', error: null, rollback: null });
    this.store.setJobState(jobId, 'running');
    this.enqueue(
      jobId,
      job.parallel,
      again.map((t) => t.deviceId),
    );
    return this.job(jobId);
  }

  /**
   * After an engine crash: retries the jobs this runner found interrupted when it opened the store
   * (never older ones the technician left), except `skip`. A job that cannot resume (its bundle
   * left the library, no path to a gateway) is reported with why and stays interrupted.
   */
  resumeInterrupted(skip: readonly string[] = []): { resumed: string[]; skipped: { jobId: string; reason: string }[] } {
    const resumed: string[] = [];
    const skipped: { jobId: string; reason: string }[] = [];
    for (const jobId of this.interruptedAtStart) {
      if (skip.includes(jobId)) {
        skipped.push({ jobId, reason: 'its resume stopped the engine twice; resume it by hand' });
        continue;
      }
      // Idempotent: a job already retried (by hand or an earlier call) is left alone.
      if (this.running.has(jobId) || this.store.job(jobId)?.state !== 'interrupted') continue;
      try {
        this.retry(jobId);
        resumed.push(jobId);
      } catch (err) {
        skipped.push({ jobId, reason: (err as Error).message });
      }
    }
    return { resumed, skipped };
  }

  cancel(jobId: string, deviceId?: string): FlashJob {
    const job = this.job(jobId);
    const run = this.running.get(jobId);
    if (run) {
      for (const id of deviceId === undefined ? job.targets.map((t) => t.deviceId) : [deviceId]) {
        const queued = run.queue.indexOf(id);
        if (queued >= 0) {
          run.queue.splice(queued, 1);
          this.store.updateTarget(jobId, id, { state: 'cancelled', error: { code: 'cancelled', message: 'cancelled before it started' } });
          this.store.recordStep(jobId, id, 'preflight', 'cancelled', 'cancelled before it started');
        }
        run.controllers.get(id)?.abort();
      }
      this.finishIfIdle(jobId, run);
      // A gateway this job no longer waits for may be what a later job was waiting for.
      this.pump();
    }
    return this.job(jobId);
  }

  list(): FlashJob[] {
    return this.store.list().map((j) => this.withLive(j));
  }

  job(jobId: string): FlashJob {
    const job = this.store.job(jobId);
    if (job === null) throw new FlashJobError('unknown_job', `there is no flash job ${jobId.slice(0, 8)}…`, 'Refresh the job list.');
    return this.withLive(job);
  }

  detail(jobId: string): FlashJobDetail {
    const detail = this.store.detail(jobId);
    if (detail === null) throw new FlashJobError('unknown_job', `there is no flash job ${jobId.slice(0, 8)}…`, 'Refresh the job list.');
    return { ...detail, targets: detail.targets.map((t) => this.liveTarget(jobId, t)) };
  }

  /** What the job table keeps beyond the API's view of a gateway (paths, identity, transfer figures). */
  record(jobId: string, deviceId: string): TargetRecord | null {
    return this.store.record(jobId, deviceId);
  }

  /** The bundle as it was when the job started. */
  bundleRecord(jobId: string): BundleRecord | null {
    return this.store.bundleRecord(jobId);
  }

  /** Resolves with the job once none of its gateways is pending or running. */
  whenDone(jobId: string): Promise<FlashJob> {
    const run = this.running.get(jobId);
    if (!run) return Promise.resolve(this.job(jobId));
    return new Promise((resolve) => run.waiters.push(resolve));
  }

  /** Stops every running gateway; they are left `interrupted`, to be resumed by the next run. */
  async close(): Promise<void> {
    this.closing = true;
    const waits = [...this.running.keys()].map((id) => this.whenDone(id));
    for (const run of this.running.values()) {
      run.queue.length = 0;
      for (const c of run.controllers.values()) c.abort();
    }
    await Promise.all(waits);
  }

  private enqueue(jobId: string, parallel: number, deviceIds: readonly string[]): void {
    let run = this.running.get(jobId);
    if (!run) {
      run = new RunningJob(parallel);
      this.running.set(jobId, run);
    }
    run.queue.push(...deviceIds.filter((d) => !run.queue.includes(d) && !run.controllers.has(d)));
    this.pump();
  }

  /** Starts queued gateways, across every job, until a limit is reached. */
  private pump(): void {
    for (;;) {
      const jobs = [...this.running].map(([id, run]) => ({ id, queue: run.queue, active: run.active, parallel: run.parallel }));
      const next = nextStart(jobs, this.busy, this.activeTotal, this.maxActive, this.lastServed);
      if (next === null) return;
      const run = this.running.get(next.jobId)!;
      const { jobId, deviceId } = next;
      run.queue.splice(run.queue.indexOf(deviceId), 1);
      const controller = new AbortController();
      run.controllers.set(deviceId, controller);
      run.active++;
      this.activeTotal++;
      this.busy.add(deviceId);
      this.lastServed = jobId;
      void this.runTarget(jobId, deviceId, controller.signal).finally(() => {
        run.active--;
        this.activeTotal--;
        this.busy.delete(deviceId);
        run.controllers.delete(deviceId);
        this.finishIfIdle(jobId, run);
        this.pump();
      });
    }
  }

  private finishIfIdle(jobId: string, run: RunningJob): void {
    if (run.active > 0 || run.queue.length > 0 || this.running.get(jobId) !== run) return;
    this.running.delete(jobId);
    const state = finalJobState(this.store.job(jobId)?.targets ?? []);
    this.store.setJobState(jobId, state);
    const job = this.job(jobId);
    for (const t of job.targets) this.emit(jobId, t);
    for (const resolve of run.waiters.splice(0)) resolve(job);
  }

  private async runTarget(jobId: string, deviceId: string, signal: AbortSignal): Promise<void> {
    const key = `${jobId}/${deviceId}`;
    const before = this.store.target(jobId, deviceId);
    // A gateway that got past preflight before (a retry, or a job the app lost) may be mid-way.
    const previousStep = before !== null && before.step !== 'preflight' ? before.step : null;
    this.live.set(key, { rateBps: 0, etaSeconds: null, bytesSent: null, resumedFrom: null, bytesTotal: null, emittedAt: 0, storedAt: 0 });
    let bundle: FlashBundle;
    try {
      bundle = this.options.bundle(this.store.job(jobId)!.bundleId);
    } catch (err) {
      this.store.updateTarget(jobId, deviceId, { state: 'failed', error: { code: 'bundle_unavailable', message: (err as Error).message } });
      return;
    }
    try {
      const outcome = await runDeviceFlow({
        jobId,
        deviceId,
        bundle,
        connect: async () => {
          const session = await this.options.connect(deviceId, this.store.record(jobId, deviceId)?.paths ?? []);
          const d = session.descriptor;
          if (session.path !== undefined) this.store.rememberPath(jobId, deviceId, session.path);
          this.store.updateTarget(jobId, deviceId, {
            device: { vendor: d.vendor, model: d.model, hardwareRevision: d.hardwareRevision, serial: d.serial },
          });
          return session;
        },
        check: (descriptor) => this.options.check(bundle.id, deviceId, descriptor),
        signal,
        timing: this.timing,
        previousStep,
        report: (patch, live) => this.report(jobId, deviceId, patch, live),
        step: (step, outcome, detail) => {
          this.store.recordStep(jobId, deviceId, step, outcome, detail ?? null);
          try {
            this.options.onStep?.(jobId, deviceId, step, outcome, detail ?? null);
          } catch (err) {
            // No step starts without its audit intent (fail closed). A result that cannot be
            // written is not fatal by itself: the next step's intent refuses while it persists.
            if (outcome === 'started') throw err;
          }
        },
      });
      if (outcome.state === 'cancelled' && this.closing) {
        this.store.updateTarget(jobId, deviceId, { state: 'interrupted' });
      }
    } catch (err) {
      // audit_unavailable lands here when even the failure could not be recorded.
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'internal';
      this.store.updateTarget(jobId, deviceId, { state: 'failed', error: { code, message: (err as Error).message } });
    } finally {
      this.flushLive(jobId, deviceId);
      this.live.delete(key);
      const target = this.store.target(jobId, deviceId);
      if (target) this.emit(jobId, target);
    }
  }

  private report(jobId: string, deviceId: string, patch: TargetPatch, figures?: LiveFigures): void {
    const key = `${jobId}/${deviceId}`;
    const live = this.live.get(key);
    if (live && figures) {
      if (figures.rateBps !== undefined) live.rateBps = figures.rateBps;
      if (figures.etaSeconds !== undefined) live.etaSeconds = figures.etaSeconds;
    }
    const onlyBytes = Object.keys(patch).every((k) => k === 'bytesSent' || k === 'bytesTotal' || k === 'resumedFrom');
    const now = performance.now();
    if (live && onlyBytes) {
      if (patch.bytesSent !== undefined) live.bytesSent = patch.bytesSent;
      if (patch.bytesTotal !== undefined) live.bytesTotal = patch.bytesTotal;
      if (patch.resumedFrom !== undefined) live.resumedFrom = patch.resumedFrom;
      if (now - live.storedAt >= STORE_EVERY_MS) this.flushLive(jobId, deviceId);
      if (now - live.emittedAt < EMIT_EVERY_MS) return;
    } else {
      this.flushLive(jobId, deviceId);
      this.store.updateTarget(jobId, deviceId, patch);
    }
    if (live) live.emittedAt = now;
    const target = this.store.target(jobId, deviceId);
    if (target) this.emit(jobId, target);
  }

  private flushLive(jobId: string, deviceId: string): void {
    const live = this.live.get(`${jobId}/${deviceId}`);
    if (!live || (live.bytesSent === null && live.resumedFrom === null && live.bytesTotal === null)) return;
    this.store.updateTarget(jobId, deviceId, {
      ...(live.bytesSent === null ? {} : { bytesSent: live.bytesSent }),
      ...(live.bytesTotal === null ? {} : { bytesTotal: live.bytesTotal }),
      ...(live.resumedFrom === null ? {} : { resumedFrom: live.resumedFrom }),
    });
    live.bytesSent = live.bytesTotal = live.resumedFrom = null;
    live.storedAt = performance.now();
  }

  private liveTarget(jobId: string, target: FlashTarget): FlashTarget {
    const live = this.live.get(`${jobId}/${target.deviceId}`);
    if (!live) return target;
    return {
      ...target,
      bytesSent: live.bytesSent ?? target.bytesSent,
      bytesTotal: live.bytesTotal ?? target.bytesTotal,
      resumedFrom: live.resumedFrom ?? target.resumedFrom,
      rateBps: live.rateBps,
      etaSeconds: live.etaSeconds,
    };
  }

  private withLive(job: FlashJob): FlashJob {
    return { ...job, targets: job.targets.map((t) => this.liveTarget(job.id, t)) };
  }

  private emit(jobId: string, target: FlashTarget): void {
    const job = this.store.job(jobId);
    if (!job) return;
    const state = this.running.has(jobId) ? 'running' : job.state;
    try {
      this.options.onProgress?.({ jobId, jobState: state, target: this.liveTarget(jobId, target) });
    } catch {
      // A listener's failure is its own.
    }
  }
}
