/**
 * The laptop's reference benchmark: the same model, the same seeded inputs and the same
 * warm-up/iteration loop as `bench.run` on a gateway, with onnxruntime-node in this process.
 *
 * It tells a technician what the model costs on known hardware, so a slow gateway can be told
 * apart from a slow model.
 */
import ort from 'onnxruntime-node';
import { OnnxModelError, runtimeMessage } from './onnx/model-error.js';
import type { ModelSignature } from './onnx/onnx-codec.js';
import { loadModel } from './onnx/onnx-session.js';
import { seededRandom } from './onnx/seeded-random.js';
import { elementCount, type TensorSpec } from './onnx/tensor-spec.js';
import { computeStats, type LatencyStats } from './stats.js';

export const DEFAULT_WARMUP = 10;
export const DEFAULT_ITERATIONS = 100;
export const MAX_ITERATIONS = 100_000;
/** The seed of benchmark inputs; values do not change latency for dense models, but runs stay repeatable. */
export const BENCH_SEED = 5;

export interface LocalRunOptions {
  readonly model: Uint8Array;
  readonly warmup?: number;
  readonly iterations?: number;
  /** Intra-op threads; onnxruntime's default when absent. */
  readonly threads?: number;
  /** Sizes for symbolic dimensions, per input; other symbolic dimensions run with 1. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  readonly seed?: number;
}

export interface LocalRunResult {
  readonly samplesUs: Float64Array;
  readonly stats: LatencyStats;
  readonly loadMs: number;
  readonly warmup: number;
  readonly iterations: number;
  readonly executionProvider: 'cpu';
  readonly signature: ModelSignature;
}

function checkCount(label: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${label} must be a whole number from ${min} to ${max}, not ${value}`);
  return value;
}

function shapeFor(spec: TensorSpec, given: readonly number[] | undefined): number[] {
  if (given === undefined) return spec.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
  if (given.length !== spec.shape.length)
    throw new RangeError(`input "${spec.name}" has ${spec.shape.length} dimensions; the shape given has ${given.length}`);
  return given.map((d, i) => {
    const declared = spec.shape[i];
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`input "${spec.name}": dimension ${i} must be a whole number ≥ 1, not ${d}`);
    if (typeof declared === 'number' && declared >= 0 && declared !== d)
      throw new RangeError(`input "${spec.name}": dimension ${i} is fixed at ${declared} by the model; ${d} was given`);
    return d;
  });
}

/**
 * Deterministic feeds for a model's inputs, value for value what the agent's bench.run feeds
 * (agent/bench/seeded-inputs.ts, same seed and draw order): floats uniform in [-1, 1), small integers.
 */
export function seededFeeds(
  inputs: readonly TensorSpec[],
  seed: number,
  inputShapes: Readonly<Record<string, readonly number[]>> = {},
): Record<string, ort.Tensor> {
  for (const name of Object.keys(inputShapes))
    if (!inputs.some((s) => s.name === name))
      throw new RangeError(`the model has no input "${name}"; its inputs are ${inputs.map((s) => `"${s.name}"`).join(', ')}`);
  const random = seededRandom(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const spec of inputs) {
    const shape = shapeFor(spec, inputShapes[spec.name]);
    const n = elementCount(shape);
    const ints = (min: number, max: number): number[] => Array.from({ length: n }, () => Math.floor(random.uniform(min, max)));
    switch (spec.type) {
      case 'float32':
        feeds[spec.name] = new ort.Tensor('float32', random.float32Array(n, -1, 1), shape);
        break;
      case 'int32':
        feeds[spec.name] = new ort.Tensor('int32', Int32Array.from(ints(0, 16)), shape);
        break;
      case 'int64':
        feeds[spec.name] = new ort.Tensor(
          'int64',
          BigInt64Array.from(ints(0, 16), (v) => BigInt(v)),
          shape,
        );
        break;
      case 'int8':
        feeds[spec.name] = new ort.Tensor('int8', Int8Array.from(ints(-128, 128)), shape);
        break;
      case 'uint8':
        feeds[spec.name] = new ort.Tensor('uint8', Uint8Array.from(ints(0, 256)), shape);
        break;
      case 'bool':
        feeds[spec.name] = new ort.Tensor(
          'bool',
          Uint8Array.from({ length: n }, () => (random.next() < 0.5 ? 0 : 1)),
          shape,
        );
        break;
      case 'float16':
        throw new OnnxModelError('model_unsupported', `input "${spec.name}" is float16, which the benchmark cannot generate yet`);
    }
  }
  return feeds;
}

/** Runs the loop; throws OnnxModelError for a model that does not load or run, RangeError for bad options. */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const warmup = checkCount('warm-up', options.warmup ?? DEFAULT_WARMUP, 0, MAX_ITERATIONS);
  const iterations = checkCount('iterations', options.iterations ?? DEFAULT_ITERATIONS, 1, MAX_ITERATIONS);
  const threads = options.threads === undefined ? undefined : checkCount('threads', options.threads, 1, 256);
  const started = process.hrtime.bigint();
  const { session, signature } = await loadModel(options.model, threads === undefined ? {} : { intraOpNumThreads: threads });
  const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
  try {
    const feeds = seededFeeds(signature.inputs, options.seed ?? BENCH_SEED, options.inputShapes);
    const samplesUs = new Float64Array(iterations);
    try {
      for (let i = 0; i < warmup; i++) await session.run(feeds);
      for (let i = 0; i < iterations; i++) {
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        samplesUs[i] = Number(process.hrtime.bigint() - t0) / 1000;
      }
    } catch (err) {
      throw new OnnxModelError('run_failed', `the model run failed: ${runtimeMessage(err)}`);
    }
    return { samplesUs, stats: computeStats(samplesUs), loadMs, warmup, iterations, executionProvider: 'cpu', signature };
  } finally {
    await session.release();
  }
}
