/**
 * The record a technician leaves on site after a flash job: what was flashed (bundle, hashes,
 * signers), onto which gateways (id, name, serial, address), from which version to which, every
 * step with its time and outcome, the transfer figures, and the result with the rollback outcome.
 *
 * Built only from the job table (plus the bundle as it was when the job started), so a report
 * can be made after a restart and after the bundle has left the library.
 */
import type { DevicePath, FlashJobDetail, FlashRollback, FlashStep, FlashStepOutcome, FlashTargetState } from '../../api/schemas.js';
import type { BundleRecord } from '../jobs/flow-types.js';
import type { DeviceRecord, TargetRecord } from '../jobs/job-store.js';

export const REPORT_FORMAT = 'fieldline.flash-report/v1';

export interface ReportStep {
  readonly seq: number;
  readonly step: FlashStep;
  readonly outcome: FlashStepOutcome;
  readonly detail: string | null;
  /** ISO 8601, UTC. */
  readonly at: string;
}

export interface ReportTarget {
  readonly device: {
    readonly id: string;
    readonly name: string;
    readonly vendor: string | null;
    readonly model: string | null;
    readonly hardwareRevision: string | null;
    readonly serial: string | null;
    /** Where the laptop reached it: "10.0.0.7:48621 (TLS)", "/dev/ttyUSB0 @ 921600 baud". */
    readonly addresses: readonly string[];
  };
  readonly fromVersion: string | null;
  readonly toVersion: string | null;
  readonly state: FlashTargetState;
  /** The step it ended on (`done` for a success). */
  readonly step: FlashStep;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly rollback: FlashRollback | null;
  /** The result in one sentence, including where the gateway is left. */
  readonly result: string;
  readonly transfer: {
    readonly bundleBytes: number;
    /** Bytes the gateway holds (all of them once transferred). */
    readonly bytesHeld: number;
    /** Bytes the gateway already held when the last attempt began (a resume when > 0). */
    readonly resumedFrom: number | null;
    /** Payload bytes put on the link over every attempt, and the time spent sending them. */
    readonly bytesSent: number;
    readonly seconds: number;
    /** bytesSent / seconds; null when nothing was sent. */
    readonly bytesPerSecond: number | null;
  };
  readonly steps: readonly ReportStep[];
}

export interface FlashReport {
  readonly format: typeof REPORT_FORMAT;
  readonly generatedAt: string;
  readonly generator: { readonly app: 'Fieldline'; readonly version: string };
  readonly job: {
    readonly id: string;
    readonly state: FlashJobDetail['state'];
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly parallel: number;
  };
  readonly bundle: {
    /** SHA-256 of the whole signed bundle file: what the gateway hashed and verified. */
    readonly sha256: string;
    readonly fileName: string | null;
    readonly name: string | null;
    readonly version: string | null;
    readonly kind: string | null;
    readonly size: number | null;
    readonly securityCounter: number | null;
    readonly signers: BundleRecord['signers'];
  };
  readonly summary: Readonly<Record<'total' | FlashTargetState, number>>;
  readonly targets: readonly ReportTarget[];
}

export interface ReportInput {
  readonly job: FlashJobDetail;
  readonly bundle: BundleRecord | null;
  readonly records: ReadonlyMap<string, TargetRecord>;
  readonly appVersion: string;
  readonly now: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function describePath(path: DevicePath): string {
  switch (path.transport) {
    case 'tcp':
      return `${path.host.includes(':') ? `[${path.host}]` : path.host}:${path.port}${path.tls ? ' (TLS)' : ''}`;
    case 'serial':
      return `${path.path} @ ${path.baudRate} baud`;
    case 'usb':
      return `USB ${path.busPath} (${path.vendorId}:${path.productId})`;
  }
}

function resultSentence(t: FlashJobDetail['targets'][number], toVersion: string | null): string {
  const rollback =
    t.rollback === 'rolled-back'
      ? ' Fieldline rolled the gateway back: it runs its previous slot again.'
      : t.rollback === 'rolled-back-by-gateway'
        ? ' The gateway is on its previous slot (it went back by itself, or never left it).'
        : t.rollback === 'rollback-failed'
          ? ' The rollback FAILED: check which slot the gateway runs before leaving it.'
          : '';
  switch (t.state) {
    case 'succeeded':
      return `Succeeded: the gateway runs ${toVersion ?? 'the new version'}, confirmed.`;
    case 'skipped':
      return `Skipped at preflight, nothing was written: ${t.error?.message ?? 'not allowed on this gateway'}.`;
    case 'failed':
      return `Failed at ${t.step}: ${t.error?.message ?? 'no reason recorded'}.${rollback}`;
    case 'cancelled':
      return `Cancelled at ${t.step}.${rollback}`;
    case 'interrupted':
      return `Interrupted at ${t.step} (the app stopped); a retry resumes it.${rollback}`;
    case 'pending':
    case 'running':
      return `Still ${t.state} at ${t.step} when this report was made.`;
  }
}

function deviceOf(id: string, name: string, device: DeviceRecord | null, paths: readonly DevicePath[]): ReportTarget['device'] {
  return {
    id,
    name,
    vendor: device?.vendor ?? null,
    model: device?.model ?? null,
    hardwareRevision: device?.hardwareRevision ?? null,
    serial: device?.serial ?? null,
    addresses: [...new Set(paths.map(describePath))],
  };
}

export function buildFlashReport(input: ReportInput): FlashReport {
  const { job, bundle } = input;
  const summary: Record<'total' | FlashTargetState, number> = {
    total: job.targets.length,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    interrupted: 0,
  };
  for (const t of job.targets) summary[t.state]++;
  const targets = job.targets.map((t): ReportTarget => {
    const record = input.records.get(t.deviceId) ?? null;
    const seconds = (record?.transferMs ?? 0) / 1000;
    const bytesSent = record?.transferBytes ?? 0;
    return {
      device: deviceOf(t.deviceId, t.deviceName, record?.device ?? null, record?.paths ?? []),
      fromVersion: t.fromVersion,
      toVersion: t.toVersion,
      state: t.state,
      step: t.step,
      error: t.error,
      rollback: t.rollback,
      result: resultSentence(t, t.toVersion),
      transfer: {
        bundleBytes: t.bytesTotal,
        bytesHeld: t.bytesSent,
        resumedFrom: t.resumedFrom,
        bytesSent,
        seconds: Math.round(seconds * 1000) / 1000,
        bytesPerSecond: bytesSent > 0 && seconds > 0 ? Math.round(bytesSent / seconds) : null,
      },
      steps: job.steps
        .filter((s) => s.deviceId === t.deviceId)
        .sort((a, b) => a.seq - b.seq)
        .map((s) => ({ seq: s.seq, step: s.step, outcome: s.outcome, detail: s.detail, at: iso(s.at) })),
    };
  });
  return {
    format: REPORT_FORMAT,
    generatedAt: iso(input.now),
    generator: { app: 'Fieldline', version: input.appVersion },
    job: { id: job.id, state: job.state, createdAt: iso(job.createdAt), updatedAt: iso(job.updatedAt), parallel: job.parallel },
    bundle: {
      sha256: job.bundleId,
      fileName: bundle?.fileName ?? null,
      name: job.bundleName,
      version: job.bundleVersion,
      kind: job.bundleKind,
      size: bundle?.size ?? null,
      securityCounter: bundle?.securityCounter ?? null,
      signers: bundle?.signers ?? [],
    },
    summary,
    targets,
  };
}

/** "fieldline-flash-1a2b3c4d-demo-classifier-1.0.0.html": sortable, safe on every file system. */
export function reportFileName(report: FlashReport, format: 'json' | 'html'): string {
  const label = `${report.bundle.name ?? 'bundle'}-${report.bundle.version ?? ''}`
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `fieldline-flash-${report.job.id.slice(0, 8)}${label ? `-${label}` : ''}.${format}`;
}
