/**
 * Which API calls leave an audit entry, under what action name, and what is recorded.
 *
 * One table rather than a call in every handler: a new method is audited by adding a line here,
 * and reading this file tells an auditor what the log covers. Calls that only read (lists, gets,
 * status) are not recorded. Calls that touch a gateway write their intent before they start.
 */
import type { ParamsOf, MethodName, ResultOf } from '../api/contract.js';
import type { Handlers } from '../api/dispatch.js';
import type { AuditRecorder, JsonParams } from './audit-recorder.js';
import { jsonParams } from './audit-recorder.js';

interface Rule<M extends MethodName> {
  readonly action: string;
  /** True when the call talks to a gateway: intent first, and no call without it. */
  readonly touches: boolean;
  readonly device?: (params: ParamsOf<M>) => string | null;
  readonly params?: (params: ParamsOf<M>) => JsonParams;
  readonly outcome?: (result: ResultOf<M>) => { params?: JsonParams; device?: string | null };
  /** Leave the gateway a witness of the log afterwards (actions that change or measure it). */
  readonly witness?: true;
}

type Rules = { readonly [M in MethodName]?: Rule<M> };

const byDevice = (p: { deviceId?: string | undefined }): string | null => p.deviceId ?? null;

export const AUDITED: Rules = {
  'profile.create': {
    action: 'profile.create',
    touches: false,
    params: (p) => jsonParams({ name: p.name, organisation: p.organisation }),
    outcome: (r) => ({ params: { keyId: r.keyId } }),
  },
  'discovery.start': {
    action: 'discovery.start',
    touches: false,
    params: (p) => jsonParams({ interfaces: p.interfaces, serialPorts: p.serialPorts }),
    outcome: (r) => ({ params: { interfaces: r.interfaces.map((i) => i.name), serialPorts: r.serialPorts.map((s) => s.path) } }),
  },
  'discovery.stop': { action: 'discovery.stop', touches: false, outcome: (r) => ({ params: { devicesFound: r.devicesFound } }) },
  'devices.add': {
    action: 'device.add',
    touches: true,
    params: (p) => ({ address: p.address }),
    outcome: (r) => ({ device: r.id, params: { name: r.name, model: r.model, serial: r.serial, firmware: r.firmware } }),
  },
  'devices.info': { action: 'device.info', touches: true, device: (p) => p.id },
  'devices.authenticate': {
    action: 'device.authenticate',
    touches: true,
    device: (p) => p.id,
    outcome: (r) => ({ params: { role: r.role } }),
    witness: true,
  },
  'bundles.import': {
    action: 'bundle.import',
    touches: false,
    params: (p) => jsonParams({ fileName: p.fileName ?? p.path }),
    outcome: (r) => ({
      params: jsonParams({ bundleSha256: r.id, kind: r.kind, name: r.name, version: r.version, status: r.status, reason: r.reason?.code }),
    }),
  },
  'bundles.check': { action: 'bundle.check', touches: true, device: (p) => p.deviceId, params: (p) => ({ bundleSha256: p.id }) },
  'bundles.remove': { action: 'bundle.remove', touches: false, params: (p) => ({ bundleSha256: p.id }) },
  'trust.import': {
    action: 'trust.import',
    touches: false,
    params: (p) => jsonParams({ publicKey: p.publicKey.toLowerCase(), name: p.name, roles: p.roles, expiresAt: p.expiresAt }),
    outcome: (r) => ({ params: { keyId: r.keyId } }),
  },
  'trust.remove': { action: 'trust.remove', touches: false, params: (p) => ({ keyId: p.keyId }) },
  'trust.revoke': { action: 'trust.revoke', touches: false, params: (p) => ({ keyId: p.keyId, reason: p.reason }) },
  'flash.start': {
    action: 'flash.start',
    touches: true,
    params: (p) => jsonParams({ bundleSha256: p.bundleId, devices: p.deviceIds, parallel: p.parallel }),
    outcome: (r) => ({ params: { jobId: r.id } }),
  },
  'flash.cancel': { action: 'flash.cancel', touches: true, device: byDevice, params: (p) => ({ jobId: p.jobId }) },
  'flash.retry': { action: 'flash.retry', touches: true, params: (p) => jsonParams({ jobId: p.jobId, devices: p.deviceIds }) },
  'flash.resumeInterrupted': { action: 'flash.resume-interrupted', touches: true, params: (p) => jsonParams({ skip: p.skip ?? [] }) },
  'flash.export': {
    action: 'report.export',
    touches: false,
    params: (p) => jsonParams({ report: 'flash', jobId: p.jobId, format: p.format }),
  },
  'bench.run': {
    action: 'bench.run',
    touches: true,
    witness: true,
    device: (p) => p.deviceId,
    params: (p) =>
      jsonParams({
        model: p.model,
        warmup: p.warmup,
        iterations: p.iterations,
        threads: p.threads,
        durationMs: p.durationMs,
        executionProvider: p.executionProvider,
        profile: p.profile,
      }),
    outcome: (r) => ({
      params: jsonParams({ runId: r.id, modelSha256: r.model.sha256, verdict: r.verdict, p50Us: r.stats.p50, p99Us: r.stats.p99 }),
    }),
  },
  'bench.cancel': { action: 'bench.cancel', touches: true, device: byDevice, params: (p) => jsonParams({ runId: p.runId }) },
  'bench.export': {
    action: 'report.export',
    touches: false,
    params: (p) => jsonParams({ report: 'bench', runId: p.id, format: p.format }),
  },
  'diagnose.run': {
    action: 'diagnose.run',
    touches: true,
    witness: true,
    device: (p) => p.deviceId,
    params: (p) => ({ bundleSha256: p.bundleId }),
    outcome: (r) => ({ params: { diagnosisId: r.id, verdict: r.verdict } }),
  },
  'audit.configure': {
    action: 'audit.configure',
    touches: false,
    // The token is a secret: the record says whether one was set, never its value.
    params: (p) =>
      jsonParams({
        endpoint: p.endpoint,
        token: p.token === undefined ? undefined : p.token === null ? 'removed' : 'set',
        format: p.format,
        batchSize: p.batchSize,
        site: p.site,
      }),
  },
  'audit.export': {
    action: 'audit.export',
    touches: false,
    params: (p) => jsonParams({ first: p.first, last: p.last }),
    outcome: (r) => ({ params: { first: r.first, last: r.last, count: r.count } }),
  },
  'audit.witness': { action: 'audit.witness-check', touches: true, device: (p) => p.deviceId },
};

/** `handlers` with every call in AUDITED recorded through `recorder`; `witness` after those that ask for it. */
export function audited(handlers: Handlers, recorder: AuditRecorder, witness: (deviceId: string) => void): Handlers {
  const wrapped: Record<string, unknown> = { ...handlers };
  for (const method of Object.keys(AUDITED) as MethodName[]) {
    const rule = AUDITED[method] as Rule<MethodName> | undefined;
    if (!rule) continue;
    const handler = handlers[method] as (params: ParamsOf<MethodName>) => Promise<ResultOf<MethodName>>;
    wrapped[method] = async (params: ParamsOf<MethodName>) => {
      const device = rule.device?.(params) ?? null;
      const recorded = rule.params?.(params) ?? {};
      if (rule.touches) {
        const result = await recorder.around(rule.action, device, recorded, () => handler(params), rule.outcome);
        if (rule.witness && device) witness(device);
        return result;
      }
      return recorder.after(rule.action, device, recorded, () => handler(params), rule.outcome);
    };
  }
  return wrapped as Handlers;
}
