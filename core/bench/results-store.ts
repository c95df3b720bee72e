/**
 * Benchmark runs and diagnoses kept in the engine's SQLite store.
 *
 * Raw samples are stored as they were measured (a Float64 LE blob) so that statistics can be
 * recomputed and runs compared later, not only the figures of the day. Lists leave the samples
 * out: a run of 100 000 inferences is 800 kB.
 */
import { randomBytes } from 'node:crypto';
import type { BenchRun, BenchRunDetail, DiagnosisRecord } from '../api/schemas.js';
import type { Db } from '../store/database.js';

export type NewBenchRun = Omit<BenchRunDetail, 'id' | 'createdAt'>;
export type NewDiagnosis = Omit<DiagnosisRecord, 'id' | 'createdAt'>;

interface BenchRow {
  id: string;
  device_id: string;
  device_name: string;
  hardware_class: string;
  model_sha256: string;
  model_name: string;
  model_version: string;
  settings: string;
  run: string;
  samples?: Buffer;
  stats: string;
  verdict: BenchRun['verdict'];
  reasons: string;
  baseline: string | null;
  created_at: number;
}

interface DiagnosisRow {
  id: string;
  device_id: string;
  device_name: string;
  bundle_id: string;
  bundle_label: string;
  verdict: DiagnosisRecord['verdict'];
  explanation: string;
  comparisons: string;
  detail: string;
  created_at: number;
}

type DiagnosisDetail = Pick<DiagnosisRecord, 'ok' | 'cases' | 'failedCases' | 'bundleModelSha256' | 'gatewayModelSha256' | 'notes'>;

const BENCH_COLUMNS =
  'id, device_id, device_name, hardware_class, model_sha256, model_name, model_version, settings, run, stats, verdict, reasons, baseline, created_at';

export function encodeSamples(samplesUs: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samplesUs.length * 8);
  for (let i = 0; i < samplesUs.length; i++) out.writeDoubleLE(samplesUs[i]!, i * 8);
  return out;
}

export function decodeSamples(blob: Uint8Array): number[] {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return Array.from({ length: Math.floor(blob.byteLength / 8) }, (_, i) => view.getFloat64(i * 8, true));
}

function newId(): string {
  return randomBytes(16).toString('hex');
}

function benchOf(row: BenchRow): BenchRun {
  return {
    id: row.id,
    deviceId: row.device_id,
    deviceName: row.device_name,
    hardwareClass: row.hardware_class,
    model: { name: row.model_name, version: row.model_version, sha256: row.model_sha256 },
    settings: JSON.parse(row.settings) as BenchRun['settings'],
    run: JSON.parse(row.run) as BenchRun['run'],
    stats: JSON.parse(row.stats) as BenchRun['stats'],
    verdict: row.verdict,
    reasons: JSON.parse(row.reasons) as string[],
    baselineBundle: row.baseline === null ? null : (JSON.parse(row.baseline) as BenchRun['baselineBundle']),
    createdAt: row.created_at,
  };
}

function diagnosisOf(row: DiagnosisRow): DiagnosisRecord {
  const detail = JSON.parse(row.detail) as DiagnosisDetail;
  return {
    id: row.id,
    deviceId: row.device_id,
    deviceName: row.device_name,
    bundleId: row.bundle_id,
    bundleLabel: row.bundle_label,
    verdict: row.verdict,
    explanation: row.explanation,
    comparisons: JSON.parse(row.comparisons) as DiagnosisRecord['comparisons'],
    ...detail,
    createdAt: row.created_at,
  };
}

export class BenchResultsStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  addRun(run: NewBenchRun): BenchRunDetail {
    const stored: BenchRunDetail = { ...run, id: newId(), createdAt: this.now() };
    this.db
      .prepare(
        `INSERT INTO bench_runs (${BENCH_COLUMNS}, samples) VALUES
         (@id, @device_id, @device_name, @hardware_class, @model_sha256, @model_name, @model_version, @settings, @run, @stats, @verdict, @reasons, @baseline, @created_at, @samples)`,
      )
      .run({
        id: stored.id,
        device_id: stored.deviceId,
        device_name: stored.deviceName,
        hardware_class: stored.hardwareClass,
        model_sha256: stored.model.sha256,
        model_name: stored.model.name,
        model_version: stored.model.version,
        settings: JSON.stringify(stored.settings),
        run: JSON.stringify(stored.run),
        stats: JSON.stringify(stored.stats),
        verdict: stored.verdict,
        reasons: JSON.stringify(stored.reasons),
        baseline: stored.baselineBundle === null ? null : JSON.stringify(stored.baselineBundle),
        created_at: stored.createdAt,
        samples: encodeSamples(stored.samplesUs),
      });
    return stored;
  }

  /** Newest first (rowid breaks ties within one millisecond). */
  listRuns(deviceId?: string): BenchRun[] {
    const rows = (
      deviceId === undefined
        ? this.db.prepare(`SELECT ${BENCH_COLUMNS} FROM bench_runs ORDER BY created_at DESC, rowid DESC`).all()
        : this.db.prepare(`SELECT ${BENCH_COLUMNS} FROM bench_runs WHERE device_id = ? ORDER BY created_at DESC, rowid DESC`).all(deviceId)
    ) as BenchRow[];
    return rows.map(benchOf);
  }

  getRun(id: string): BenchRunDetail | null {
    const row = this.db.prepare(`SELECT ${BENCH_COLUMNS}, samples FROM bench_runs WHERE id = ?`).get(id) as BenchRow | undefined;
    if (row === undefined) return null;
    return { ...benchOf(row), samplesUs: decodeSamples(row.samples ?? Buffer.alloc(0)) };
  }

  addDiagnosis(d: NewDiagnosis): DiagnosisRecord {
    const stored: DiagnosisRecord = { ...d, id: newId(), createdAt: this.now() };
    const detail: DiagnosisDetail = {
      ok: stored.ok,
      cases: stored.cases,
      failedCases: stored.failedCases,
      bundleModelSha256: stored.bundleModelSha256,
      gatewayModelSha256: stored.gatewayModelSha256,
      notes: stored.notes,
    };
    this.db
      .prepare(
        `INSERT INTO diagnoses (id, device_id, device_name, bundle_id, bundle_label, verdict, explanation, comparisons, detail, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        stored.id,
        stored.deviceId,
        stored.deviceName,
        stored.bundleId,
        stored.bundleLabel,
        stored.verdict,
        stored.explanation,
        JSON.stringify(stored.comparisons),
        JSON.stringify(detail),
        stored.createdAt,
      );
    return stored;
  }

  listDiagnoses(deviceId?: string): DiagnosisRecord[] {
    const columns = 'id, device_id, device_name, bundle_id, bundle_label, verdict, explanation, comparisons, detail, created_at';
    const rows = (
      deviceId === undefined
        ? this.db.prepare(`SELECT ${columns} FROM diagnoses ORDER BY created_at DESC, rowid DESC`).all()
        : this.db.prepare(`SELECT ${columns} FROM diagnoses WHERE device_id = ? ORDER BY created_at DESC, rowid DESC`).all(deviceId)
    ) as DiagnosisRow[];
    return rows.map(diagnosisOf);
  }
}
