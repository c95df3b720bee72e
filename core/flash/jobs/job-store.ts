/**
 * The flash job table in SQLite: jobs, one row per gateway, and each gateway's step history.
 *
 * Only what must survive the app is stored: rate and ETA live in memory. A job found `running`
 * when the store opens belonged to an app that died (or was killed): it and its unfinished
 * gateways become `interrupted`, to be resumed with a retry.
 */
import type {
  FlashJob,
  FlashJobDetail,
  FlashJobState,
  FlashRollback,
  FlashStep,
  FlashStepOutcome,
  FlashStepRecord,
  FlashTarget,
  FlashTargetState,
  BundleKindName,
  DevicePath,
} from '../../api/schemas.js';
import { devicePath } from '../../api/schemas.js';
import type { Db } from '../../store/database.js';
import type { BundleRecord } from './flow-types.js';

interface JobRow {
  readonly id: string;
  readonly bundle_id: string;
  readonly bundle_name: string | null;
  readonly bundle_kind: string | null;
  readonly bundle_version: string | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly parallel: number;
  readonly state: FlashJobState;
  readonly bundle: string | null;
}

interface TargetRow {
  readonly job_id: string;
  readonly device_id: string;
  readonly device_name: string;
  readonly step: FlashStep;
  readonly state: FlashTargetState;
  readonly bytes_sent: number;
  readonly bytes_total: number;
  readonly resumed_from: number | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly from_version: string | null;
  readonly to_version: string | null;
  readonly rollback: FlashRollback | null;
  readonly updated_at: number;
  readonly paths: string;
  readonly device: string | null;
  readonly transfer_bytes: number;
  readonly transfer_ms: number;
}

/** What a gateway said it is when the job reached it (its hello), for the record. */
export interface DeviceRecord {
  readonly vendor: string;
  readonly model: string;
  readonly hardwareRevision: string;
  readonly serial: string;
}

/** What the job table keeps about one gateway beyond the API's FlashTarget. */
export interface TargetRecord {
  readonly paths: readonly DevicePath[];
  readonly device: DeviceRecord | null;
  /** Payload bytes sent over every transfer attempt, and the time spent sending them. */
  readonly transferBytes: number;
  readonly transferMs: number;
}

export interface NewJob {
  readonly id: string;
  readonly bundleId: string;
  readonly bundleName: string | null;
  readonly bundleKind: BundleKindName | null;
  readonly bundleVersion: string | null;
  readonly parallel: number;
  readonly bundle?: BundleRecord;
  readonly targets: readonly {
    readonly deviceId: string;
    readonly deviceName: string;
    readonly bytesTotal: number;
    readonly paths: readonly DevicePath[];
  }[];
}

/** Columns a runner may change on a target row. */
export interface TargetPatch {
  readonly deviceName?: string;
  readonly step?: FlashStep;
  readonly state?: FlashTargetState;
  readonly bytesSent?: number;
  readonly bytesTotal?: number;
  readonly resumedFrom?: number | null;
  readonly error?: { readonly code: string; readonly message: string } | null;
  readonly fromVersion?: string | null;
  readonly toVersion?: string | null;
  readonly rollback?: FlashRollback | null;
  readonly device?: DeviceRecord;
  /** Added to what earlier attempts sent (the totals span retries and restarts). */
  readonly addTransfer?: { readonly bytes: number; readonly ms: number };
}

const UNFINISHED: readonly FlashTargetState[] = ['pending', 'running'];

export class FlashJobStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Marks what a previous process left running as interrupted; returns the job ids touched. */
  markInterrupted(): string[] {
    const at = this.now();
    const ids = (this.db.prepare(`SELECT id FROM flash_jobs WHERE state = 'running'`).all() as { id: string }[]).map((r) => r.id);
    this.db.transaction(() => {
      for (const id of ids) {
        this.db
          .prepare(
            `UPDATE flash_targets SET state = 'interrupted', updated_at = ? WHERE job_id = ? AND state IN (${UNFINISHED.map(() => '?').join(', ')})`,
          )
          .run(at, id, ...UNFINISHED);
        this.db.prepare(`UPDATE flash_jobs SET state = 'interrupted', updated_at = ? WHERE id = ?`).run(at, id);
      }
    })();
    return ids;
  }

  create(job: NewJob): void {
    const at = this.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO flash_jobs (id, bundle_id, bundle_name, bundle_kind, bundle_version, created_at, updated_at, parallel, state, bundle)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
        )
        .run(
          job.id,
          job.bundleId,
          job.bundleName,
          job.bundleKind,
          job.bundleVersion,
          at,
          at,
          job.parallel,
          job.bundle === undefined ? null : JSON.stringify(job.bundle),
        );
      const insert = this.db.prepare(
        `INSERT INTO flash_targets (job_id, device_id, device_name, step, state, bytes_total, to_version, updated_at, paths)
         VALUES (?, ?, ?, 'preflight', 'pending', ?, ?, ?, ?)`,
      );
      for (const t of job.targets)
        insert.run(job.id, t.deviceId, t.deviceName, t.bytesTotal, job.bundleVersion, at, JSON.stringify(t.paths));
    })();
  }

  setJobState(id: string, state: FlashJobState): void {
    this.db.prepare('UPDATE flash_jobs SET state = ?, updated_at = ? WHERE id = ?').run(state, this.now(), id);
  }

  updateTarget(jobId: string, deviceId: string, patch: TargetPatch): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    const set = (column: string, value: string | number | null): void => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (patch.deviceName !== undefined) set('device_name', patch.deviceName);
    if (patch.step !== undefined) set('step', patch.step);
    if (patch.state !== undefined) set('state', patch.state);
    if (patch.bytesSent !== undefined) set('bytes_sent', patch.bytesSent);
    if (patch.bytesTotal !== undefined) set('bytes_total', patch.bytesTotal);
    if (patch.resumedFrom !== undefined) set('resumed_from', patch.resumedFrom);
    if (patch.error !== undefined) {
      set('error_code', patch.error?.code ?? null);
      set('error_message', patch.error?.message ?? null);
    }
    if (patch.fromVersion !== undefined) set('from_version', patch.fromVersion);
    if (patch.toVersion !== undefined) set('to_version', patch.toVersion);
    if (patch.rollback !== undefined) set('rollback', patch.rollback);
    if (patch.device !== undefined) set('device', JSON.stringify(patch.device));
    if (patch.addTransfer !== undefined) {
      sets.push('transfer_bytes = transfer_bytes + ?', 'transfer_ms = transfer_ms + ?');
      values.push(Math.max(0, Math.round(patch.addTransfer.bytes)), Math.max(0, Math.round(patch.addTransfer.ms)));
    }
    set('updated_at', this.now());
    this.db.prepare(`UPDATE flash_targets SET ${sets.join(', ')} WHERE job_id = ? AND device_id = ?`).run(...values, jobId, deviceId);
    this.db.prepare('UPDATE flash_jobs SET updated_at = ? WHERE id = ?').run(this.now(), jobId);
  }

  recordStep(jobId: string, deviceId: string, step: FlashStep, outcome: FlashStepOutcome, detail: string | null): FlashStepRecord {
    const at = this.now();
    const seq =
      ((
        this.db.prepare('SELECT MAX(seq) AS seq FROM flash_steps WHERE job_id = ? AND device_id = ?').get(jobId, deviceId) as {
          seq: number | null;
        }
      ).seq ?? 0) + 1;
    this.db
      .prepare('INSERT INTO flash_steps (job_id, device_id, seq, step, outcome, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(jobId, deviceId, seq, step, outcome, detail, at);
    return { deviceId, seq, step, outcome, detail, at };
  }

  /** Adds a path a gateway answered on (the most recent first), so the next run tries it first. */
  rememberPath(jobId: string, deviceId: string, path: DevicePath): void {
    const record = this.record(jobId, deviceId);
    if (record === null) return;
    const key = JSON.stringify(path);
    const paths = [path, ...record.paths.filter((p) => JSON.stringify(p) !== key)];
    this.db.prepare('UPDATE flash_targets SET paths = ? WHERE job_id = ? AND device_id = ?').run(JSON.stringify(paths), jobId, deviceId);
  }

  record(jobId: string, deviceId: string): TargetRecord | null {
    const row = this.db
      .prepare('SELECT paths, device, transfer_bytes, transfer_ms FROM flash_targets WHERE job_id = ? AND device_id = ?')
      .get(jobId, deviceId) as Pick<TargetRow, 'paths' | 'device' | 'transfer_bytes' | 'transfer_ms'> | undefined;
    if (row === undefined) return null;
    return {
      paths: parsePaths(row.paths),
      device: parseJson<DeviceRecord>(row.device),
      transferBytes: row.transfer_bytes,
      transferMs: row.transfer_ms,
    };
  }

  bundleRecord(jobId: string): BundleRecord | null {
    const row = this.db.prepare('SELECT bundle FROM flash_jobs WHERE id = ?').get(jobId) as { bundle: string | null } | undefined;
    return parseJson<BundleRecord>(row?.bundle ?? null);
  }

  target(jobId: string, deviceId: string): FlashTarget | null {
    const row = this.db.prepare('SELECT * FROM flash_targets WHERE job_id = ? AND device_id = ?').get(jobId, deviceId) as
      TargetRow | undefined;
    return row === undefined ? null : targetOf(row);
  }

  job(id: string): FlashJob | null {
    const row = this.db.prepare('SELECT * FROM flash_jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (row === undefined) return null;
    const targets = this.db.prepare('SELECT * FROM flash_targets WHERE job_id = ? ORDER BY rowid').all(id) as TargetRow[];
    return jobOf(row, targets.map(targetOf));
  }

  detail(id: string): FlashJobDetail | null {
    const job = this.job(id);
    if (job === null) return null;
    const steps = this.db
      .prepare('SELECT device_id, seq, step, outcome, detail, at FROM flash_steps WHERE job_id = ? ORDER BY at, device_id, seq')
      .all(id) as { device_id: string; seq: number; step: FlashStep; outcome: FlashStepOutcome; detail: string | null; at: number }[];
    return {
      ...job,
      steps: steps.map((s) => ({ deviceId: s.device_id, seq: s.seq, step: s.step, outcome: s.outcome, detail: s.detail, at: s.at })),
    };
  }

  list(): FlashJob[] {
    const ids = this.db.prepare('SELECT id FROM flash_jobs ORDER BY created_at DESC, rowid DESC').all() as { id: string }[];
    return ids.map((r) => this.job(r.id)).filter((j): j is FlashJob => j !== null);
  }
}

/** Stored paths that no longer parse (a newer build wrote them?) are dropped, not trusted. */
function parsePaths(text: string): DevicePath[] {
  const raw = parseJson<unknown[]>(text);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p) => {
    const parsed = devicePath.safeParse(p);
    return parsed.success ? [parsed.data] : [];
  });
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function targetOf(row: TargetRow): FlashTarget {
  return {
    deviceId: row.device_id,
    deviceName: row.device_name,
    step: row.step,
    state: row.state,
    bytesSent: row.bytes_sent,
    bytesTotal: row.bytes_total,
    rateBps: 0,
    etaSeconds: null,
    resumedFrom: row.resumed_from,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    fromVersion: row.from_version,
    toVersion: row.to_version,
    rollback: row.rollback,
    updatedAt: row.updated_at,
  };
}

function jobOf(row: JobRow, targets: FlashTarget[]): FlashJob {
  return {
    id: row.id,
    bundleId: row.bundle_id,
    bundleName: row.bundle_name,
    bundleKind: row.bundle_kind as BundleKindName | null,
    bundleVersion: row.bundle_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    parallel: row.parallel,
    state: row.state,
    targets,
  };
}

/** The job's state once no gateway is pending or running. */
export function finalJobState(targets: readonly FlashTarget[]): FlashJobState {
  if (targets.every((t) => t.state === 'succeeded')) return 'succeeded';
  if (targets.some((t) => t.state === 'failed' || t.state === 'skipped')) return 'failed';
  if (targets.some((t) => t.state === 'interrupted')) return 'interrupted';
  return 'cancelled';
}
