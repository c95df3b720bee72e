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
import type { FlashBundle, FlashSession, FlashTiming, Verdict } from '../flash/jobs/flow-types.js';
import { authenticate } from '../protocol/client-session.js';
import type { Ed25519Identity } from '../protocol/identity.js';
import type { Db } from '../store/database.js';
import type { PinStore } from '../store/pin-store.js';
import { libraryDir, type BundleLibrary } from './bundle-library.js';
import { targetOf } from './bundle-target.js';
import { rankPaths, type DeviceSession, type OpenOptions } from './device-session.js';

type FlashMethods = 'flash.plan' | 'flash.start' | 'flash.cancel' | 'flash.retry' | 'flash.list' | 'flash.get';

export interface FlashEngineDeps {
  readonly db: Db;
  readonly dataDir: string;
  readonly library: BundleLibrary;
  readonly pins: PinStore;
  readonly requireDevice: (id: string) => Device;
  readonly openSession: (path: DevicePath, options: OpenOptions) => Promise<DeviceSession>;
  /** The gateway's descriptor, opening a session first when none has been read yet. */
  readonly descriptor: (deviceId: string) => Promise<DeviceDescriptor>;
  readonly onDescriptor: (deviceId: string, descriptor: DeviceDescriptor) => void;
  readonly technician: () => Ed25519Identity | null;
  readonly onProgress: (progress: FlashProgress) => void;
  /** The audit log's hook point (not wired yet: the audit issue adds it). */
  readonly onStep?: StepHook;
  readonly timing?: Partial<FlashTiming>;
}

const PLAN_PARALLEL = 8;

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

  /** Opens a verified session over the gateway's best path and authenticates the technician on it. */
  async function connect(deviceId: string): Promise<FlashSession> {
    const device = deps.requireDevice(deviceId);
    const identity = deps.technician();
    if (!identity)
      throw new ApiError(
        'no_profile',
        'there is no technician profile on this laptop yet',
        'Create your technician profile first (name and organisation).',
      );
    let lastError: unknown = new ApiError('no_path', `${device.name} has no known path`, 'Run discovery again.');
    for (const path of rankPaths(device.paths)) {
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
        deps.onDescriptor(deviceId, session.descriptor);
        return { peer: session.peer, descriptor: session.descriptor, close: () => session.close() };
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
    return { id, path: join(libraryDir(deps.dataDir), `${id}.flb`), size: b.size, kind: b.kind, name: b.name, version: b.version };
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
    deviceName: (id) => deps.requireDevice(id).name,
    connect,
    check,
    onProgress: deps.onProgress,
    ...(deps.onStep ? { onStep: deps.onStep } : {}),
    ...(deps.timing ? { timing: deps.timing } : {}),
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
    'flash.list': async () => jobs.list(),
    'flash.get': async ({ jobId }) => jobs.detail(jobId),
  };
}
