/**
 * Inference diagnostics: does the gateway compute what the bundle's model computes?
 *
 * Each golden input of the bundle goes to the gateway (`infer`) and, on the laptop, through the
 * bundle's own model with onnxruntime: the laptop's answer is the reference. Outputs are compared
 * per golden case and output (max abs/rel error, cosine similarity, top-k agreement for
 * classifiers) against the case's tolerance, and a failure is explained in words a technician
 * can act on: a different model, a small consistent drift, or a model that does not load.
 */
import type { Manifest } from '../bundle/manifest.js';
import { compareTensor, type GoldenTolerance } from './onnx/golden.js';
import { runtimeMessage } from './onnx/model-error.js';
import { loadModel, type OnnxSession } from './onnx/onnx-session.js';
import { isWireTensorType, ortToWire, wireToOrt, WIRE_ELEMENT_BYTES, type WireTensor } from './wire-tensor.js';

/** The gateway's `infer` for the model under test; throws an error with `code` (FGP) on failure. */
export type InferFn = (inputs: Readonly<Record<string, WireTensor>>) => Promise<Readonly<Record<string, WireTensor>>>;

export type DiagnosisVerdict = 'pass' | 'wrong-model' | 'drift' | 'load-failed' | 'not-installed' | 'error';

export interface OutputComparison {
  readonly case: string;
  readonly output: string;
  readonly ok: boolean;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly cosine: number;
  /** Classifiers only: k and whether the top-k classes agree on every row. */
  readonly topK?: { readonly k: number; readonly agree: boolean };
  readonly message: string;
}

export interface Diagnosis {
  readonly verdict: DiagnosisVerdict;
  readonly ok: boolean;
  readonly explanation: string;
  readonly cases: number;
  readonly failedCases: number;
  readonly comparisons: readonly OutputComparison[];
  readonly bundleModelSha256: string | null;
  readonly gatewayModelSha256: string | null;
  /** Problems with the bundle itself (its golden outputs disagree with its own model here). */
  readonly notes: readonly string[];
}

export interface DiagnoseOptions {
  readonly manifest: Manifest;
  /** The bundle's payloads by bundle path (at least the model and golden payloads), uncompressed. */
  readonly payloads: ReadonlyMap<string, Uint8Array>;
  readonly infer: InferFn;
  /** The hash the gateway reports for its installed model of this name and version, if known. */
  readonly gatewayModelSha256?: string | null;
}

/** Cosine below this, or a different top class, is not rounding: the function itself differs. */
const SAME_FUNCTION_COSINE = 0.999;

function short(sha: string): string {
  return `${sha.slice(0, 12)}…`;
}

export function bundleModelSha256(manifest: Manifest): string | null {
  const p = manifest.payloads.find((x) => x.target === 'model');
  return p ? (p.uncompressed?.sha256 ?? p.sha256) : null;
}

function toNumbers(t: WireTensor): Float32Array {
  const tensor = wireToOrt(t);
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error(`a ${t.type} tensor holds no numeric data`);
}

/** Top-k agreement row by row over the last dimension (order within the k ignored). */
function topKAgreement(actual: Float32Array, expected: Float32Array, classes: number, k: number): boolean {
  const top = (v: Float32Array, row: number): string =>
    Array.from({ length: classes }, (_, i) => i)
      .sort((a, b) => v[row * classes + b]! - v[row * classes + a]!)
      .slice(0, k)
      .sort((a, b) => a - b)
      .join(',');
  for (let row = 0; row < actual.length / classes; row++) if (top(actual, row) !== top(expected, row)) return false;
  return true;
}

/** A rank-2 [batch, classes] output with 2 to 10 000 classes is treated as a classifier. */
function classesOf(shape: readonly number[]): number | null {
  const last = shape[shape.length - 1];
  return shape.length === 2 && last !== undefined && last >= 2 && last <= 10_000 ? last : null;
}

export function compareOutput(
  caseName: string,
  output: string,
  actual: WireTensor,
  reference: WireTensor,
  tolerance: GoldenTolerance,
): OutputComparison {
  if (actual.shape.join(',') !== reference.shape.join(','))
    return {
      case: caseName,
      output,
      ok: false,
      maxAbs: Infinity,
      maxRel: Infinity,
      cosine: 0,
      message: `the gateway's output has shape [${actual.shape.join(', ')}], the bundle's model gives [${reference.shape.join(', ')}]`,
    };
  const a = toNumbers(actual);
  const r = toNumbers(reference);
  const cmp = compareTensor(a, r, tolerance);
  const classes = classesOf(reference.shape);
  const k = tolerance.topK ?? (classes === null ? undefined : 1);
  const topK = classes !== null && k !== undefined ? { k, agree: topKAgreement(a, r, classes, Math.min(k, classes)) } : undefined;
  const topKFails = tolerance.topK !== undefined && topK !== undefined && !topK.agree;
  const message = topKFails ? `${cmp.ok ? '' : `${cmp.message}; `}top-${k} classes differ` : cmp.message;
  return {
    case: caseName,
    output,
    ok: cmp.ok && !topKFails,
    maxAbs: cmp.maxAbs,
    maxRel: cmp.maxRel,
    cosine: cmp.cosine,
    ...(topK ? { topK } : {}),
    message,
  };
}

function payload(payloads: ReadonlyMap<string, Uint8Array>, path: string): Uint8Array {
  const bytes = payloads.get(path);
  if (!bytes) throw new Error(`the bundle has no payload "${path}"`);
  return bytes;
}

function goldenTensor(
  payloads: ReadonlyMap<string, Uint8Array>,
  ref: { path: string; type: string; shape: readonly number[] },
): WireTensor {
  if (!isWireTensorType(ref.type)) throw new Error(`golden tensor ${ref.path} is ${ref.type}, which diagnostics cannot send`);
  const data = payload(payloads, ref.path);
  const want = ref.shape.reduce((n, d) => n * d, 1) * WIRE_ELEMENT_BYTES[ref.type];
  if (data.length !== want)
    throw new Error(`golden tensor ${ref.path} holds ${data.length} bytes; ${ref.type} [${ref.shape.join(', ')}] needs ${want}`);
  return { type: ref.type, shape: ref.shape, data };
}

async function runReference(session: OnnxSession, inputs: Readonly<Record<string, WireTensor>>): Promise<Record<string, WireTensor>> {
  const feeds = Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, wireToOrt(t, `input "${n}"`)]));
  const results = await session.run(feeds);
  return Object.fromEntries(Object.entries(results).map(([n, t]) => [n, ortToWire(t, `output "${n}"`)]));
}

function result(
  base: Pick<Diagnosis, 'bundleModelSha256' | 'gatewayModelSha256'>,
  verdict: DiagnosisVerdict,
  explanation: string,
  rest: Partial<Pick<Diagnosis, 'cases' | 'failedCases' | 'comparisons' | 'notes'>> = {},
): Diagnosis {
  return { verdict, ok: verdict === 'pass', explanation, cases: 0, failedCases: 0, comparisons: [], notes: [], ...base, ...rest };
}

function explainFailure(
  failed: readonly OutputComparison[],
  failedCases: number,
  cases: number,
  bundleSha: string | null,
  gatewaySha: string | null,
): { verdict: DiagnosisVerdict; explanation: string } {
  const k = `${failedCases}/${cases}`;
  const differentFunction = failed.some((c) => !(c.cosine >= SAME_FUNCTION_COSINE) || c.topK?.agree === false);
  const bundle = bundleSha ? `bundle model sha256 ${short(bundleSha)}` : 'the bundle names no model hash';
  if (differentFunction) {
    if (bundleSha && gatewaySha && bundleSha === gatewaySha)
      return {
        verdict: 'wrong-model',
        explanation: `outputs differ beyond tolerance on ${k} inputs although the gateway runs the bundle's model file (sha256 ${short(bundleSha)}) — its runtime or execution provider computes wrong results; try the CPU provider and report it to the gateway vendor`,
      };
    const gateway = gatewaySha ? `gateway reports ${short(gatewaySha)}` : 'the gateway did not report its model hash';
    return {
      verdict: 'wrong-model',
      explanation: `outputs differ beyond tolerance on ${k} inputs — the model on the gateway is not the one in the bundle (${bundle}, ${gateway}); flash the bundle again`,
    };
  }
  const worst = failed.reduce((m, c) => Math.max(m, c.maxAbs), 0);
  const lowest = failed.reduce((m, c) => Math.min(m, c.cosine), 1);
  const file =
    bundleSha && gatewaySha && bundleSha !== gatewaySha
      ? `; the gateway's model file differs (sha256 ${short(gatewaySha)}, ${bundle})`
      : '';
  return {
    verdict: 'drift',
    explanation: `consistent small drift on ${k} inputs (max abs error ${worst.toExponential(2)}, cosine ≥ ${lowest.toFixed(5)}, same top classes) — quantised model or different execution provider${file}; widen the bundle's tolerance only if this accuracy is acceptable`,
  };
}

/** Never throws for a gateway or bundle problem: every outcome is a Diagnosis with its explanation. */
export async function diagnose(options: DiagnoseOptions): Promise<Diagnosis> {
  const { manifest, payloads } = options;
  const base = { bundleModelSha256: bundleModelSha256(manifest), gatewayModelSha256: options.gatewayModelSha256 ?? null };
  const golden = manifest.model?.golden ?? [];
  if (manifest.kind !== 'model' || golden.length === 0)
    return result(
      base,
      'error',
      `${manifest.name} ${manifest.version} has no golden cases, so there is nothing to compare; diagnostics need a model bundle with golden inputs`,
    );
  const modelPayload = manifest.payloads.find((p) => p.target === 'model');
  if (!modelPayload)
    return result(base, 'error', `${manifest.name} ${manifest.version} carries no model file (no payload with target "model")`);

  let session: OnnxSession;
  try {
    session = (await loadModel(payload(payloads, modelPayload.path))).session;
  } catch (err) {
    return result(base, 'error', `the bundle's own model does not load on this laptop, so there is no reference: ${runtimeMessage(err)}`);
  }
  try {
    const comparisons: OutputComparison[] = [];
    const notes: string[] = [];
    let failedCases = 0;
    for (const c of golden) {
      let inputs: Record<string, WireTensor>;
      let reference: Record<string, WireTensor>;
      try {
        inputs = Object.fromEntries(Object.entries(c.inputs).map(([n, ref]) => [n, goldenTensor(payloads, ref)]));
        reference = await runReference(session, inputs);
        for (const [name, ref] of Object.entries(c.expected)) {
          const own = reference[name];
          const check = own ? compareOutput(c.name, name, own, goldenTensor(payloads, ref), c.tolerance) : null;
          if (!check?.ok)
            notes.push(
              `golden case ${c.name}, output "${name}": the bundle's expected values do not match its own model (${check?.message ?? 'no such output'}) — the bundle was built wrong`,
            );
        }
      } catch (err) {
        return result(base, 'error', `golden case ${c.name} cannot be run on this laptop: ${runtimeMessage(err)}`, { notes });
      }
      let outputs: Readonly<Record<string, WireTensor>>;
      try {
        outputs = await options.infer(inputs);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const reason = runtimeMessage(err);
        if (code === 'model_load_failed' || code === 'model_invalid' || code === 'model_unreadable')
          return result(base, 'load-failed', `model fails to load: ${reason}`, { comparisons, notes });
        if (code === 'model_not_installed')
          return result(
            base,
            'not-installed',
            `the gateway has no installed model ${manifest.name} ${manifest.version}: ${reason}; flash the bundle first`,
            { comparisons, notes },
          );
        return result(
          base,
          'error',
          `the gateway could not run golden case ${c.name}: ${reason}${typeof code === 'string' ? ` (${code})` : ''}`,
          { comparisons, notes },
        );
      }
      let caseFailed = false;
      for (const [name, ref] of Object.entries(reference)) {
        const got = outputs[name];
        const cmp = got
          ? compareOutput(c.name, name, got, ref, c.tolerance)
          : {
              case: c.name,
              output: name,
              ok: false,
              maxAbs: Infinity,
              maxRel: Infinity,
              cosine: 0,
              message: `the gateway returned no output "${name}"`,
            };
        comparisons.push(cmp);
        if (!cmp.ok) caseFailed = true;
      }
      if (caseFailed) failedCases++;
    }
    const rest = { cases: golden.length, failedCases, comparisons, notes };
    if (failedCases === 0)
      return result(base, 'pass', `all ${golden.length} golden inputs give the bundle model's outputs within tolerance`, rest);
    const failed = comparisons.filter((c) => !c.ok);
    const { verdict, explanation } = explainFailure(failed, failedCases, golden.length, base.bundleModelSha256, base.gatewayModelSha256);
    return result(base, verdict, explanation, rest);
  } finally {
    await session.release();
  }
}
