/**
 * The record of one benchmark run a technician leaves on site: the run as stored (raw samples,
 * statistics, verdict and its reasons, what the gateway reported) and the gateway's latest
 * diagnosis, stamped with when and by which Fieldline it was made. JSON as it is; HTML through
 * report-html.ts. Built only from stored records, so a report can be made long after the run.
 */
import type { BenchRunDetail, DiagnosisRecord } from '../api/schemas.js';

export const BENCH_REPORT_FORMAT = 'fieldline.bench-report/v1';

export interface BenchReport {
  readonly format: typeof BENCH_REPORT_FORMAT;
  /** ISO 8601, UTC. */
  readonly generatedAt: string;
  readonly generator: { readonly name: 'Fieldline'; readonly version: string };
  readonly run: BenchRunDetail;
  readonly diagnosis: DiagnosisRecord | null;
}

export function buildBenchReport(input: {
  readonly run: BenchRunDetail;
  readonly diagnosis: DiagnosisRecord | null;
  readonly appVersion: string;
  readonly now: number;
}): BenchReport {
  return {
    format: BENCH_REPORT_FORMAT,
    generatedAt: new Date(input.now).toISOString(),
    generator: { name: 'Fieldline', version: input.appVersion },
    run: input.run,
    diagnosis: input.diagnosis,
  };
}

/** "fieldline-bench-1a2b3c4d-demo-classifier-1.0.0-gw-01.html": safe on every file system. */
export function benchReportFileName(report: BenchReport, format: 'json' | 'html'): string {
  const label = `${report.run.model.name}-${report.run.model.version}-${report.run.deviceName}`
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `fieldline-bench-${report.run.id.slice(0, 8)}${label ? `-${label}` : ''}.${format}`;
}
