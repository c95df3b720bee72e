/**
 * The one contract between every UI host and the engine.
 *
 * Each method names its params and result schema; each event its payload. Hosts (Electron
 * preload, `fieldline serve`) and clients are derived from this table, and the engine validates
 * every incoming call against it because TypeScript types do not exist at runtime.
 */
import { z } from 'zod';
import * as s from './schemas.js';
import * as audit from './audit-schemas.js';

const none = z.object({}).strict();

export const methods = {
  'app.info': { params: none, result: s.appInfo },
  'profile.get': { params: none, result: s.profile.nullable() },
  'profile.create': {
    params: z
      .object({
        name: z.string().trim().min(1, 'name is required').max(120),
        organisation: z.string().trim().min(1, 'organisation is required').max(120),
      })
      .strict(),
    result: s.profile,
  },
  'discovery.start': {
    params: z
      .object({
        /** Interface names to use; omitted means every usable interface. */
        interfaces: z.array(z.string().min(1)).optional(),
        /** Serial ports to probe besides those matching the device catalog. */
        serialPorts: z.array(z.string().min(1)).optional(),
      })
      .strict(),
    result: s.discoveryReport,
  },
  'discovery.stop': { params: none, result: s.discoveryReport },
  'discovery.report': { params: none, result: s.discoveryReport },
  'devices.list': { params: none, result: z.array(s.device) },
  'devices.info': { params: z.object({ id: s.deviceId }).strict(), result: s.device },
  'devices.add': {
    params: z.object({ address: z.string().min(1, 'give a host[:port] or a serial port path') }).strict(),
    result: s.device,
  },
  'devices.authenticate': {
    params: z.object({ id: s.deviceId }).strict(),
    result: s.authResult,
  },
  'bundles.list': { params: none, result: z.array(s.bundleSummary) },
  'bundles.import': {
    params: z
      .object({
        path: z.string().min(1, 'give the path of a .flb bundle file'),
        /** The name to show; defaults to the file's own name (uploads arrive under a temporary one). */
        fileName: z.string().trim().min(1).max(255).optional(),
      })
      .strict(),
    result: s.bundleSummary,
  },
  'bundles.get': { params: z.object({ id: s.sha256Hex }).strict(), result: s.bundleDetail },
  /** Judges a library bundle for one gateway; may open a session to read its descriptor. */
  'bundles.check': {
    params: z.object({ id: s.sha256Hex, deviceId: s.deviceId }).strict(),
    result: s.bundleTargetCheck,
  },
  'bundles.remove': { params: z.object({ id: s.sha256Hex }).strict(), result: z.object({ id: s.sha256Hex }) },
  'trust.list': { params: none, result: s.trustList },
  'trust.import': {
    params: z
      .object({
        publicKey: z
          .string()
          .trim()
          .regex(/^[0-9a-fA-F]{64}$/, 'a public key is the raw 32-byte Ed25519 key as 64 hex digits'),
        name: z.string().trim().min(1, 'give the key a name').max(120),
        roles: z.array(s.trustRole).min(1, 'choose at least one role'),
        /** ms since the epoch; omitted means the key does not expire. */
        expiresAt: z.number().int().positive().optional(),
      })
      .strict(),
    result: s.trustKey,
  },
  'trust.remove': { params: z.object({ keyId: s.sha256Hex }).strict(), result: z.object({ keyId: s.sha256Hex }) },
  'trust.revoke': {
    params: z.object({ keyId: s.sha256Hex, reason: z.string().trim().min(1, 'say why the key is revoked').max(500) }).strict(),
    result: s.trustKey,
  },
  /** What flashing a bundle would do on each gateway: compatible or not (with why), from → to version. */
  'flash.plan': {
    params: z.object({ bundleId: s.sha256Hex, deviceIds: z.array(s.deviceId).min(1, 'choose at least one gateway').max(256) }).strict(),
    result: s.flashPlan,
  },
  /** Starts a job; incompatible gateways are reported as skipped with the reason, never flashed. */
  'flash.start': {
    params: z
      .object({
        bundleId: s.sha256Hex,
        deviceIds: z.array(s.deviceId).min(1, 'choose at least one gateway').max(256),
        /** Gateways flashed at once; default 4. */
        parallel: z.number().int().min(1, 'parallel is at least 1').max(64).optional(),
      })
      .strict(),
    result: s.flashJob,
  },
  /** Cancels the whole job, or one gateway of it; a gateway already in trial is rolled back. */
  'flash.cancel': { params: z.object({ jobId: s.flashJobId, deviceId: s.deviceId.optional() }).strict(), result: s.flashJob },
  /** Runs failed, cancelled or interrupted gateways again; transfers resume from the bytes held. */
  'flash.retry': {
    params: z.object({ jobId: s.flashJobId, deviceIds: z.array(s.deviceId).min(1).optional() }).strict(),
    result: s.flashJob,
  },
  /**
   * Hosts only, after an engine crash: resumes the jobs this engine found interrupted when it
   * started (never older ones), except `skip` (jobs whose resume already crashed the engine).
   */
  'flash.resumeInterrupted': {
    params: z.object({ skip: z.array(s.flashJobId).max(1024).optional() }).strict(),
    result: s.flashResumeResult,
  },
  'flash.list': { params: none, result: z.array(s.flashJob) },
  'flash.get': { params: z.object({ jobId: s.flashJobId }).strict(), result: s.flashJobDetail },
  /** The job's record to leave on site (bundle, hashes, signers, devices, every step, result). */
  'flash.export': {
    params: z.object({ jobId: s.flashJobId, format: s.flashReportFormat.default('json') }).strict(),
    result: s.flashExport,
  },
  /**
   * Benchmarks an installed model on a gateway (warm-up, then timed runs), judges it against the
   * baseline of the library bundle holding that model, stores it; `bench.progress` meanwhile.
   */
  'bench.run': {
    params: z
      .object({
        deviceId: s.deviceId,
        model: s.benchModelRef,
        /** Default 10. */
        warmup: z.number().int().min(0, 'warmup is at least 0').max(100_000).optional(),
        /** Default 100. */
        iterations: z.number().int().min(1, 'iterations is at least 1').max(100_000, 'iterations is at most 100000').optional(),
        threads: z.number().int().min(1, 'threads is at least 1').max(256).optional(),
        /** Run for this long instead of a count of iterations (give one or the other). */
        durationMs: z.number().int().min(1, 'durationMs is at least 1').max(3_600_000, 'a run lasts at most an hour').optional(),
        /** One of the gateway's execution providers (its descriptor lists them); default cpu. */
        executionProvider: z.string().trim().min(1).max(64).optional(),
        /** Ask for onnxruntime's per-operator profile (stored with the run). */
        profile: z.boolean().optional(),
      })
      .strict(),
    result: s.benchRunDetail,
  },
  /**
   * Stops the run in progress on a gateway (by gateway, or by the run id of `bench.progress`):
   * `bench.run` then answers with the partial samples, stored as cancelled.
   */
  'bench.cancel': {
    params: z
      .object({ deviceId: s.deviceId.optional(), runId: z.string().min(1).max(64).optional() })
      .strict()
      .refine((p) => p.deviceId !== undefined || p.runId !== undefined, 'give the deviceId or the runId of the run to cancel'),
    result: s.benchCancelResult,
  },
  /** A run's report to leave on site (statistics, verdict, charts, the gateway's latest diagnosis). */
  'bench.export': {
    params: z.object({ id: s.benchRunId, format: s.flashReportFormat.default('html') }).strict(),
    result: s.benchExport,
  },
  /** Stored runs, newest first, without their samples; one gateway's when deviceId is given. */
  'bench.list': { params: z.object({ deviceId: s.deviceId.optional() }).strict(), result: z.array(s.benchRun) },
  'bench.get': { params: z.object({ id: s.benchRunId }).strict(), result: s.benchRunDetail },
  /** The library bundle's golden inputs through the gateway's `infer`, compared with this laptop; stored. */
  'diagnose.run': {
    params: z.object({ deviceId: s.deviceId, bundleId: s.sha256Hex }).strict(),
    result: s.diagnosisRecord,
  },
  'diagnose.list': { params: z.object({ deviceId: s.deviceId.optional() }).strict(), result: z.array(s.diagnosisRecord) },
  /** The audit timeline, newest first, filtered; page back with `before`. */
  'audit.list': { params: audit.auditListParams, result: audit.auditPage },
  /** Checks the whole chain and every stored checkpoint; names the first bad entry. */
  'audit.verify': { params: none, result: audit.chainReport },
  'audit.status': { params: none, result: audit.auditStatus },
  /** Upload endpoint, token, format, batch size and the site recorded with each entry. */
  'audit.configure': { params: audit.auditConfigureParams, result: audit.auditStatus },
  /** Tries to upload everything pending now (probe first), instead of waiting for the next attempt. */
  'audit.sync': { params: none, result: audit.syncStatus },
  /** The signed sneakernet file (JSON Lines) of what is not yet acknowledged, or a range. */
  'audit.export': { params: audit.auditExportParams, result: audit.auditExport },
  /** Asks a gateway for the checkpoint of this laptop's log it holds and checks it against the chain. */
  'audit.witness': { params: z.object({ deviceId: s.deviceId }).strict(), result: audit.witnessCheck },
  /** How the keys are protected; in passphrase mode, whether the engine waits for the passphrase. */
  'secrets.status': { params: none, result: s.keyStatus },
  /** Opens the keys with the passphrase; every other call needing a key fails with keys_locked until then. */
  'secrets.unlock': {
    params: z.object({ passphrase: z.string().min(1, 'type your passphrase').max(1024) }).strict(),
    result: s.keyStatus,
  },
  /** First set-up (no `current`) or a change of passphrase. */
  'secrets.setPassphrase': {
    params: z.object({ current: z.string().max(1024).optional(), next: z.string().max(1024) }).strict(),
    result: s.keyStatus,
  },
} as const;

export const events = {
  'devices.changed': s.deviceChange,
  'discovery.report': s.discoveryReport,
  'bundles.changed': s.bundlesChange,
  'flash.progress': s.flashProgress,
  'bench.progress': s.benchProgress,
  'audit.appended': audit.auditAppended,
  'audit.sync': audit.syncStatus,
  /** Desktop shell only: a menu command or shortcut for the page. */
  'app.command': s.appCommand,
  /** Desktop shell only: the engine process crashed, is restarting, or is back. */
  'engine.status': s.engineStatus,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;
export type EventOf<E extends EventName> = z.output<(typeof events)[E]>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/**
 * The typed surface a UI sees as `window.fieldline`: `api.devices.list()`, `api.on(...)`.
 *
 * Built from the method table so that a new method appears in every host at once.
 */
type Split<S extends string> = S extends `${infer NS}.${infer Name}` ? [NS, Name] : never;
type Namespaces = Split<MethodName>[0];
type MethodsIn<NS extends string> = {
  [M in MethodName as Split<M>[0] extends NS ? Split<M>[1] : never]: Record<never, never> extends ParamsOf<M>
    ? (params?: ParamsOf<M>) => Promise<ResultOf<M>>
    : (params: ParamsOf<M>) => Promise<ResultOf<M>>;
};
export type FieldlineApi = { [NS in Namespaces]: MethodsIn<NS> } & {
  on<E extends EventName>(event: E, listener: (data: EventOf<E>) => void): () => void;
};

/** An error as it crosses the boundary: a reason code for support, a sentence for the user. */
export interface ApiErrorShape {
  readonly code: string;
  readonly message: string;
  readonly fix?: string;
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: string;
  readonly fix?: string;
  constructor(code: string, message: string, fix?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (fix !== undefined) this.fix = fix;
  }
  toJSON(): ApiErrorShape {
    return this.fix === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, fix: this.fix };
  }
}
