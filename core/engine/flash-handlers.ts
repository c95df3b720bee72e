/**
 * The API handlers for flash jobs, and what the job runner needs from the engine: the library's
 * verified copy of a bundle, authenticated sessions with gateways, and the library's verdict for
 * one gateway (the same check `bundles.check` makes).
 */
import { join } from 'node:path';
import { ApiError } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { Device, DeviceDescriptor, DevicePath, FlashPlanTarget, FlashProgress } from '../api/schemas.js';
import { FlashJobs, type StepHook } from '../flash/jobs/job-runner.js';
import type { TargetRecord } from '../flash/jobs/job-store.js';
import { buildFlashReport, reportFileName } from '../flash/report/flash-report.js';
import { renderReportHtml } from '../flash/report/report-html.js';
import { packageVersion } from '../package-info.js';
import type { FlashBundle, FlashSession, FlashTiming, Verdict } from '../flash/jobs/flow-types.js';
import { authenticate } from '../protocol/client-session.js';
import type { Ed25519Identity } from '../protocol/identity.js';
import type { Db } from '../store/database.js';
import type { PinStore } from '../store/pin-store.js';
import { libraryDir, type BundleLibrary } from './bundle-library.js';
import { targetOf } from './bundle-target.js';
import { rankPaths, type DeviceSession, type OpenOptions } from './device-session.js';

type FlashMethods =
  'flash.plan' | 'flash.start' | 'flash.cancel' | 'flash.retry' | 'flash.resumeInterrupted' | 'flash.list' | 'flash.get' | 'flash.export';

export interface FlashEngineDeps {
  readonly db: Db;
  readonly dataDir: string;
  readonly library: BundleLibrary;
  readonly pins: PinStore;
  readonly requireDevice: (id: string) => Device;
  /**
   * Puts a gateway the registry has not seen (after a restart) back into it, once a stored path
   * reached it and it passed the pin and identity checks. Optional: without it the job still
   * reaches the gateway over the stored path, the Devices view just learns of it later.
   */
  readonly rememberDevice?: (descriptor: DeviceDescriptor, path: DevicePath) => void;
  readonly openSession: (path: DevicePath, options: OpenOptions) => Promise<DeviceSession>;
  /** The gateway's descriptor, opening a session first when none has been read yet. */
  readonly descriptor: (deviceId: string) => Promise<DeviceDescriptor>;
  readonly onDescriptor: (deviceId: string, descriptor: DeviceDescriptor) => void;
  readonly technician: () => Ed25519Identity | null;
  readonly onProgress: (progress: FlashProgress) => void;
  /** The audit log's hook point (not wired yet: the audit issue adds it). */
  readonly onStep?: StepHook;
  readonly timing?: Partial<FlashTiming>;
  /** Gateways flashed at once across every job (default 8, job-runner.ts). */
  readonly maxActive?: number;
}

const PLAN_PARALLEL = 8;
const appVersion = packageVersion();

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function createFlashJobs(deps: FlashEngineDeps): FlashJobs {
  const { library } = deps;

  function known(deviceId: string): Device | null {
    try {
      return deps.requireDevice(deviceId);
    } catch {
      return null;
    }
  }

  /**
   * Opens a verified session over the gateway's best path and authenticates the technician on it.
   * The paths the job stored come after the registry's: they reach a gateway the app has not seen
   * since it restarted, with the same identity and pin checks.
   */
  async function connect(deviceId: string, stored: readonly DevicePath[]): Promise<FlashSession> {
    const device = known(deviceId);
    const seen = new Set((device?.paths ?? []).map((p) => JSON.stringify(p)));
    const paths = [...rankPaths(device?.paths ?? []), ...rankPaths(stored.filter((p) => !seen.has(JSON.stringify(p))))];
    const name = device?.name ?? `gateway ${deviceId.slice(0, 12)}…`;
    const identity = deps.technician();
    if (!identity)
      throw new ApiError(
        'no_profile',
        'there is no technician profile on this laptop yet',
        'Create your technician profile first (name and organisation).',
      );
    let lastError: unknown =
      device === null && paths.length === 0
        ? new ApiError(
            'unknown_device',
            `no gateway with id ${deviceId.slice(0, 12)}… has been seen`,
            'Run discovery, or add the gateway by its address.',
          )
        : new ApiError('no_path', `${name} has no known path`, 'Run discovery again.');
    for (const path of paths) {
      let session: DeviceSession;
      try {
        session = await deps.openSession(path, { expectId: deviceId, pins: deps.pins });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'pin_mismatch' || code === 'identity_mismatch') throw err;
        lastError = err;
        continue;
      }
      try {
        await authenticate(session.peer, deviceId, identity);
        if (known(deviceId) === null) deps.rememberDevice?.(session.descriptor, path);
        deps.onDescriptor(deviceId, session.descriptor);
        return { peer: session.peer, descriptor: session.descriptor, path, close: () => session.close() };
      } catch (err) {
        await session.close();
        throw err;
      }
    }
    throw lastError;
  }

  function bundle(id: string): FlashBundle {
    const detail = library.get(id);
    const b = detail.bundle;
    if (b.status !== 'verified' || detail.manifest === null || b.kind === null || b.name === null || b.version === null)
      throw new ApiError(
        'bundle_refused',
        `${b.fileName} is not verified${b.reason ? `: ${b.reason.message}` : ''}; it cannot be flashed`,
        'Import a bundle that verifies, or fix the trust store.',
      );
    return {
      id,
      path: join(libraryDir(deps.dataDir), `${id}.flb`),
      size: b.size,
      kind: b.kind,
      name: b.name,
      version: b.version,
      record: {
        fileName: b.fileName,
        size: b.size,
        securityCounter: detail.manifest.securityCounter,
        signers: b.signers.map((s) => ({ keyId: s.keyId, name: s.name, status: s.status, counted: s.counted })),
      },
    };
  }

  async function check(bundleId: string, deviceId: string, descriptor: DeviceDescriptor): Promise<Verdict> {
    const report = await library.check(bundleId, deviceId, (kind) => targetOf(descriptor, kind));
    const reason = report.bundle.reason;
    return report.bundle.status === 'verified'
      ? { ok: true }
      : { ok: false, code: reason?.code ?? 'bundle_refused', message: reason?.message ?? 'the bundle is refused for this gateway' };
  }

  return new FlashJobs({
    db: deps.db,
    bundle,
    known: (id) => {
      const device = known(id);
      return device === null ? null : { name: device.name, paths: device.paths };
    },
    connect,
    check,
    onProgress: deps.onProgress,
    ...(deps.onStep ? { onStep: deps.onStep } : {}),
    ...(deps.timing ? { timing: deps.timing } : {}),
    ...(deps.maxActive !== undefined ? { maxActive: deps.maxActive } : {}),
  });
}

export function flashHandlers(jobs: FlashJobs, deps: FlashEngineDeps): Pick<Handlers, FlashMethods> {
  return {
    'flash.plan': async ({ bundleId, deviceIds }) => {
      const summary = deps.library.get(bundleId).bundle;
      const manifest = deps.library.get(bundleId).manifest;
      const targets = await mapLimited([...new Set(deviceIds)], PLAN_PARALLEL, async (deviceId): Promise<FlashPlanTarget> => {
        let name = deviceId.slice(0, 12);
        try {
          name = deps.requireDevice(deviceId).name;
          const descriptor = await deps.descriptor(deviceId);
          const report = await deps.library.check(bundleId, deviceId, (kind) => targetOf(descriptor, kind));
          const fromVersion =
            manifest === null
              ? null
              : manifest.kind === 'model'
                ? (descriptor.models.find((m) => m.name === manifest.name)?.version ?? null)
                : descriptor.firmware.version;
          return {
            deviceId,
            deviceName: descriptor.name,
            compatible: report.bundle.status === 'verified',
            reason: report.bundle.reason,
            fromVersion,
            toVersion: manifest?.version ?? null,
          };
        } catch (err) {
          const e = err as { code?: unknown; message?: unknown };
          return {
            deviceId,
            deviceName: name,
            compatible: false,
            reason: {
              code: typeof e.code === 'string' ? e.code : 'unreachable',
              message: typeof e.message === 'string' ? e.message : String(err),
            },
            fromVersion: null,
            toVersion: manifest?.version ?? null,
          };
        }
      });
      return { bundle: summary, targets };
    },
    'flash.start': async ({ bundleId, deviceIds, parallel }) => {
      for (const id of deviceIds) deps.requireDevice(id);
      return jobs.start(parallel === undefined ? { bundleId, deviceIds } : { bundleId, deviceIds, parallel });
    },
    'flash.cancel': async ({ jobId, deviceId }) => jobs.cancel(jobId, deviceId),
    'flash.retry': async ({ jobId, deviceIds }) => jobs.retry(jobId, deviceIds),
    'flash.resumeInterrupted': async ({ skip }) => jobs.resumeInterrupted(skip),
    'flash.list': async () => jobs.list(),
    'flash.get': async ({ jobId }) => jobs.detail(jobId),
    'flash.export': async ({ jobId, format }) => {
      const job = jobs.detail(jobId);
      const records = new Map<string, TargetRecord>();
      for (const t of job.targets) {
        const record = jobs.record(jobId, t.deviceId);
        if (record !== null) records.set(t.deviceId, record);
      }
      const report = buildFlashReport({ job, bundle: jobs.bundleRecord(jobId), records, appVersion, now: Date.now() });
      return {
        jobId,
        format,
        fileName: reportFileName(report, format),
        mediaType: format === 'html' ? 'text/html; charset=utf-8' : 'application/json',
        content: format === 'html' ? renderReportHtml(report) : `${JSON.stringify(report, null, 2)}\n`,
      };
    },
  };
}
