/**
 * A verification report as the library stores it and the UI reads it.
 *
 * Plain JSON in the `bundles.report` column: the checks and signers as verification wrote them,
 * the manifest (what the file claims, trusted only when the bundle is verified) and its JSON text.
 */
import type { BundleCheck, BundleManifest, BundleSigner } from '../api/schemas.js';
import { envelopePayload, type VerifyReport } from '../bundle/index.js';

export interface StoredReport {
  readonly verifiedAt: number;
  readonly checks: BundleCheck[];
  readonly signers: BundleSigner[];
  readonly manifest: BundleManifest | null;
  readonly manifestJson: string | null;
  /** The first failed check: null means the bundle is verified. */
  readonly reason: { readonly code: string; readonly message: string } | null;
}

/** The manifest text decoded from the envelope, pretty-printed when it is JSON. */
function manifestText(report: VerifyReport): string | null {
  if (report.envelope === null) return report.manifest === null ? null : JSON.stringify(report.manifest, null, 2);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(envelopePayload(report.envelope));
  } catch {
    return null;
  }
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function toStoredReport(report: VerifyReport, verifiedAt: number): StoredReport {
  const failure = report.firstFailure;
  return {
    verifiedAt,
    checks: report.checks.map((c) => ({
      id: c.id,
      status: c.status,
      message: c.message,
      ...(c.code === undefined ? {} : { code: c.code }),
      ...(c.subject === undefined ? {} : { subject: c.subject }),
    })),
    signers: report.signers.map((s) => ({ keyId: s.keyId, name: s.name, status: s.status, counted: s.counted, message: s.message })),
    manifest: report.manifest,
    manifestJson: manifestText(report),
    // A report that is not ok always names a failure; the fallback guards a report without one.
    reason: report.ok
      ? null
      : failure === null
        ? { code: 'io_error', message: 'Verification did not complete.' }
        : { code: failure.code ?? 'io_error', message: failure.message },
  };
}
