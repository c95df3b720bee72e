/**
 * `fieldline diagnose`: does the gateway compute what the bundle's model computes?
 *
 * The bundle is verified into the library first (the reference must be a trusted model), its
 * golden inputs go to the gateway's `infer`, and core/bench/diagnose.ts compares with the
 * bundle's model run on this laptop. Exit code 0 only when every golden case passes.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { dispatch } from '../../core/api/dispatch.js';
import type { BundleDetail, BundleSummary, DiagnosisRecord } from '../../core/api/schemas.js';
import { readModelPayloads } from '../../core/bench/bundle-payloads.js';
import { bundleModelSha256 } from '../../core/bench/diagnose.js';
import { parseManifest, type Manifest } from '../../core/bundle/manifest.js';
import { createEngine, type Engine } from '../../core/engine/engine.js';
import { defaultDataDir } from '../../core/store/paths.js';
import { CliError, printJson, table } from '../output.js';
import { call } from '../engine-calls.js';
import { openEngine, resolveGateway, targetFlags, targetOptionSpec } from './bench-target.js';

export const diagnoseUsage = `fieldline diagnose <device-id|address> <bundle.flb> [--json] [--data-dir DIR] [--interfaces lo,eth0] [--timeout S]
  The gateway is an address (host[:port], /dev/ttyUSB0@921600) or a device id or its first 6+
  hex digits (found by discovery within --timeout S, default 5); the diagnosis is stored in the
  data directory. Sends the model bundle's golden inputs to the gateway's installed model of the same name and
  version, runs the bundle's model on this laptop for reference, and compares every output
  (max abs/rel error, cosine similarity, top-k agreement) with the bundle's tolerances.
  Explains a failure: a different model on the gateway, a small consistent drift, or a model
  that does not load. Exit code 0 only if every golden case passes.`;

export async function engineCall<T>(engine: Engine, method: string, params: unknown = {}): Promise<T> {
  const outcome = await dispatch(engine.handlers, method, params);
  if (!outcome.ok) throw new CliError(outcome.error.message, outcome.error.fix, outcome.error.code, 1);
  return outcome.value as T;
}

export interface VerifiedModelBundle {
  readonly summary: BundleSummary;
  readonly manifest: Manifest;
  readonly payloads: Map<string, Uint8Array>;
}

/** Imports (and so verifies) a model bundle file through the library, then reads its model and golden payloads. */
export async function verifiedModelBundle(file: string, dataDir: string): Promise<VerifiedModelBundle> {
  if (!(await stat(file).catch(() => null))?.isFile())
    throw new CliError(`there is no bundle file at ${file}`, 'Give the path of a model bundle (.flb).', 'file_not_found', 1);
  const engine = await createEngine({ dataDir, host: 'cli' });
  try {
    const summary = await engineCall<BundleSummary>(engine, 'bundles.import', { path: file });
    if (summary.status !== 'verified')
      throw new CliError(
        `${summary.fileName} does not verify: ${summary.reason?.message ?? 'refused'}`,
        'Only a verified bundle can be the reference. Run `fieldline bundle verify` on it to see every check.',
        summary.reason?.code ?? 'bundle_refused',
        1,
      );
    const detail = await engineCall<BundleDetail>(engine, 'bundles.get', { id: summary.id });
    // The signed manifest exactly as verified, not the library's display form of it.
    const parsed = detail.manifestJson === null ? null : parseManifest(detail.manifestJson);
    const manifest = parsed?.ok ? parsed.manifest : null;
    if (!manifest || manifest.kind !== 'model' || !manifest.model)
      throw new CliError(
        `${summary.fileName} is not a model bundle (kind ${manifest?.kind ?? 'unknown'})`,
        'Give a bundle of kind "model".',
        'not_a_model',
        1,
      );
    return { summary, manifest, payloads: await readModelPayloads(file, manifest) };
  } finally {
    await engine.close();
  }
}

function num(v: number | null, digits = 2): string {
  return v !== null && Number.isFinite(v) ? v.toExponential(digits) : '∞';
}

/** The parts of a diagnosis the table shows; errors that cannot be measured are null (or not finite). */
type DiagnosisView = Pick<DiagnosisRecord, 'ok' | 'verdict' | 'explanation' | 'notes'> & {
  readonly comparisons: readonly {
    readonly case: string;
    readonly output: string;
    readonly ok: boolean;
    readonly maxAbs: number | null;
    readonly maxRel: number | null;
    readonly cosine: number | null;
    readonly topK?: { readonly k: number; readonly agree: boolean } | undefined;
  }[];
};

export function formatDiagnosis(d: DiagnosisView, title: string): string {
  const rows = d.comparisons.map((c) => [
    c.case,
    c.output,
    c.ok ? 'ok' : 'FAIL',
    num(c.maxAbs),
    num(c.maxRel),
    c.cosine !== null && Number.isFinite(c.cosine) ? c.cosine.toFixed(6) : '—',
    c.topK ? `top-${c.topK.k} ${c.topK.agree ? 'same' : 'differs'}` : '—',
  ]);
  const verdict = d.ok ? 'PASS' : `FAIL (${d.verdict})`;
  return [
    title,
    ...(rows.length ? [table(['case', 'output', 'result', 'max abs', 'max rel', 'cosine', 'classes'], rows)] : []),
    `Verdict: ${verdict} — ${d.explanation}`,
    ...d.notes.map((n) => `Note: ${n}`),
  ].join('\n');
}

export async function runDiagnose(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...targetOptionSpec, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new CliError(`diagnose takes a gateway (device id or address) and a bundle\n${diagnoseUsage}`);
  const [target, file] = positionals as [string, string];
  const flags = targetFlags(values, defaultDataDir());
  const bundle = await verifiedModelBundle(file, flags.dataDir);
  const { manifest } = bundle;
  const engine = await openEngine(flags);
  try {
    const device = await resolveGateway(engine, target, flags, diagnoseUsage);
    const diagnosis = await call<DiagnosisRecord>(engine, 'diagnose.run', { deviceId: device.id, bundleId: bundle.summary.id });
    if (values.json)
      printJson({
        device: { id: device.id, name: device.name, model: device.descriptor?.model ?? device.model },
        bundle: { id: bundle.summary.id, name: manifest.name, version: manifest.version, modelSha256: bundleModelSha256(manifest) },
        ...diagnosis,
      });
    else
      process.stdout.write(
        `${formatDiagnosis(diagnosis, `Diagnostics of ${manifest.name} ${manifest.version} on ${device.name} (${device.descriptor?.model ?? device.model}), ${diagnosis.cases} golden case(s)`)}\n`,
      );
    return diagnosis.ok ? 0 : 1;
  } finally {
    await engine.close();
  }
}
