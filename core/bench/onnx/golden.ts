/**
 * Golden cases for a model bundle: seeded inputs and the outputs onnxruntime computes for them.
 *
 * A gateway re-runs each case after install and compares with the expected tensors, so a model
 * that loads but computes the wrong thing (bad accelerator driver, quantisation slip) is caught.
 * Tensors travel as bundle payloads holding raw little-endian values (never JSON numbers), so the
 * manifest stays small and the values are bit-exact.
 */
import { OnnxModelError } from './model-error.js';
import { loadModel, runFloat32, type Float32Feeds } from './onnx-session.js';
import { seededRandom } from './seeded-random.js';
import { concreteShape, elementCount, tensorToBytes, type TensorSpec } from './tensor-spec.js';

export { tensorToBytes };

export interface GoldenTolerance {
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly minCosine?: number;
  readonly topK?: number;
}

export interface GoldenTensor {
  readonly type: 'float32';
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A golden case with its tensors in memory. */
export interface GoldenTensorCase {
  readonly name: string;
  readonly inputs: Readonly<Record<string, GoldenTensor>>;
  readonly expected: Readonly<Record<string, GoldenTensor>>;
  readonly tolerance: GoldenTolerance;
}

/** A golden tensor as the manifest lists it: a payload path instead of the values. */
export interface GoldenTensorRef {
  readonly path: string;
  readonly type: 'float32';
  readonly shape: readonly number[];
}

/** The manifest's GoldenCase (notes/BUNDLE-DESIGN.md). */
export interface GoldenCaseEntry {
  readonly name: string;
  readonly inputs: Readonly<Record<string, GoldenTensorRef>>;
  readonly expected: Readonly<Record<string, GoldenTensorRef>>;
  readonly tolerance: GoldenTolerance;
}

/** Across CPUs and thread counts float32 sums differ in the last bits; this leaves room for that only. */
export const DEFAULT_TOLERANCE: GoldenTolerance = { maxAbs: 1e-4, maxRel: 1e-3, minCosine: 0.9999 };

/** Raw little-endian bytes back to float32 values; throws if the length is not a multiple of 4. */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new Error(`${bytes.length} bytes is not a whole number of float32 values (4 bytes each)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export interface GoldenOptions {
  readonly model: Uint8Array;
  /** The model's inputs; float32 only for now. Symbolic dimensions are run with size 1. */
  readonly inputs: readonly TensorSpec[];
  readonly count: number;
  readonly seed: number;
  readonly tolerance?: GoldenTolerance;
  /** Inputs are uniform in [-range, range). Default 1. */
  readonly range?: number;
}

/** Runs the model on `count` seeded inputs with onnxruntime and records what it answers. */
export async function makeGoldenCases(options: GoldenOptions): Promise<GoldenTensorCase[]> {
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > 1000)
    throw new Error(`the number of golden cases must be 1 to 1000, not ${options.count}`);
  for (const spec of options.inputs) {
    if (spec.type !== 'float32')
      throw new OnnxModelError('model_unsupported', `golden cases support float32 inputs only; "${spec.name}" is ${spec.type}`);
  }
  const random = seededRandom(options.seed);
  const range = options.range ?? 1;
  const { session } = await loadModel(options.model);
  try {
    const cases: GoldenTensorCase[] = [];
    for (let c = 0; c < options.count; c++) {
      const inputs: Record<string, GoldenTensor> = {};
      for (const spec of options.inputs) {
        const shape = concreteShape(spec.shape);
        inputs[spec.name] = { type: 'float32', shape, data: random.float32Array(elementCount(shape), -range, range) };
      }
      const feeds: Float32Feeds = inputs;
      const results = await runFloat32(session, feeds);
      const expected: Record<string, GoldenTensor> = {};
      for (const [name, output] of Object.entries(results)) expected[name] = { type: 'float32', ...output };
      cases.push({ name: `case-${String(c + 1).padStart(2, '0')}`, inputs, expected, tolerance: options.tolerance ?? DEFAULT_TOLERANCE });
    }
    return cases;
  } finally {
    await session.release();
  }
}

/** Tensor names become file names: keep them to characters every archive and file system agrees on. */
function fileSafe(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .slice(0, 64) || 'tensor'
  );
}

export interface GoldenPayloads {
  /** Bundle payloads (target 'golden'): path inside the bundle and the raw bytes. */
  readonly files: readonly { readonly path: string; readonly bytes: Uint8Array }[];
  /** The manifest's `model.golden` entries pointing at those payloads. */
  readonly cases: readonly GoldenCaseEntry[];
}

/** Lays golden cases out as bundle payloads under `dir` (default "golden"). */
export function goldenPayloads(cases: readonly GoldenTensorCase[], dir = 'golden'): GoldenPayloads {
  const files: { path: string; bytes: Uint8Array }[] = [];
  const used = new Set<string>();
  const place = (caseName: string, role: 'input' | 'expected', tensorName: string, t: GoldenTensor): GoldenTensorRef => {
    let path = `${dir}/${fileSafe(caseName)}/${role}.${fileSafe(tensorName)}.bin`;
    for (let n = 2; used.has(path); n++) path = `${dir}/${fileSafe(caseName)}/${role}.${fileSafe(tensorName)}-${n}.bin`;
    used.add(path);
    files.push({ path, bytes: tensorToBytes(t.data) });
    return { path, type: 'float32', shape: t.shape };
  };
  const entries = cases.map((c) => ({
    name: c.name,
    inputs: Object.fromEntries(Object.entries(c.inputs).map(([n, t]) => [n, place(c.name, 'input', n, t)])),
    expected: Object.fromEntries(Object.entries(c.expected).map(([n, t]) => [n, place(c.name, 'expected', n, t)])),
    tolerance: c.tolerance,
  }));
  return { files, cases: entries };
}

export interface TensorComparison {
  readonly ok: boolean;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly cosine: number;
  /** Human summary: what was compared and, if it failed, which limit was crossed. */
  readonly message: string;
}

/** Compares an output with its golden values under a tolerance (relative error ignores |expected| < maxAbs). */
export function compareTensor(actual: Float32Array, expected: Float32Array, tolerance: GoldenTolerance): TensorComparison {
  if (actual.length !== expected.length) {
    const message = `the output has ${actual.length} values, the golden tensor ${expected.length}`;
    return { ok: false, maxAbs: Infinity, maxRel: Infinity, cosine: 0, message };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let nan = 0;
  let dot = 0;
  let na = 0;
  let ne = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const diff = Math.abs(a - e);
    if (Number.isNaN(diff)) {
      nan++;
      continue;
    }
    maxAbs = Math.max(maxAbs, diff);
    if (Math.abs(e) >= tolerance.maxAbs) maxRel = Math.max(maxRel, diff / Math.abs(e));
    dot += a * e;
    na += a * a;
    ne += e * e;
  }
  const cosine = na === 0 && ne === 0 ? 1 : dot / Math.sqrt(na * ne);
  const failures: string[] = nan ? [`${nan} value(s) are NaN (in the output, the golden tensor or both)`] : [];
  if (!(maxAbs <= tolerance.maxAbs)) failures.push(`max abs error ${maxAbs} > ${tolerance.maxAbs}`);
  if (!(maxRel <= tolerance.maxRel)) failures.push(`max rel error ${maxRel} > ${tolerance.maxRel}`);
  if (tolerance.minCosine !== undefined && !(cosine >= tolerance.minCosine)) failures.push(`cosine ${cosine} < ${tolerance.minCosine}`);
  const summary = `${actual.length} values, max abs ${maxAbs.toExponential(2)}, max rel ${maxRel.toExponential(2)}, cosine ${cosine.toFixed(6)}`;
  return { ok: failures.length === 0, maxAbs, maxRel, cosine, message: failures.length ? failures.join('; ') : summary };
}
