/**
 * Benchmark inputs made from the model's own input specs with a fixed seed: the same model gives
 * the same feeds on every gateway and on the laptop (core/bench local runs use the same seed).
 */
import type ort from 'onnxruntime-node';
import { BENCH_SEED, seededFeeds as generateFeeds } from '../../core/bench/local-run.js';
import type { TensorSpec } from '../../core/bench/onnx/tensor-spec.js';
import { FgpError } from '../../core/protocol/errors.js';

export const BENCH_INPUT_SEED = BENCH_SEED;

/** Dimensions a benchmark will allocate at most per input, so a symbolic size cannot exhaust memory. */
const MAX_INPUT_ELEMENTS = 64 * 1024 * 1024;

function concrete(spec: TensorSpec, override: readonly number[] | undefined): number[] {
  if (!override) return spec.shape.map((d) => (typeof d === 'number' ? d : 1));
  if (override.length !== spec.shape.length)
    throw new FgpError(
      'input_shape',
      `inputShapes.${spec.name} has ${override.length} dimensions; the model's input "${spec.name}" has ${spec.shape.length} [${spec.shape.join(', ')}]`,
      { input: spec.name, expected: [...spec.shape], got: [...override] },
    );
  override.forEach((d, i) => {
    const want = spec.shape[i];
    if (typeof want === 'number' && want !== d)
      throw new FgpError(
        'input_shape',
        `inputShapes.${spec.name}: dimension ${i} of "${spec.name}" is fixed at ${want}, not ${d} (model shape [${spec.shape.join(', ')}])`,
        { input: spec.name, expected: [...spec.shape], got: [...override] },
      );
  });
  return [...override];
}

export function seededFeeds(
  inputs: readonly TensorSpec[],
  shapes: Readonly<Record<string, readonly number[]>> = {},
  seed = BENCH_INPUT_SEED,
): Record<string, ort.Tensor> {
  for (const name of Object.keys(shapes))
    if (!inputs.some((s) => s.name === name))
      throw new FgpError(
        'input_unknown',
        `inputShapes names "${name}", but the model's inputs are ${inputs.map((s) => `"${s.name}"`).join(', ')}`,
        {
          expected: inputs.map((s) => s.name),
        },
      );
  const shapesByInput: Record<string, number[]> = {};
  for (const spec of inputs) {
    const shape = concrete(spec, shapes[spec.name]);
    const n = shape.reduce((a, d) => a * d, 1);
    if (n > MAX_INPUT_ELEMENTS)
      throw new FgpError(
        'tensor_too_large',
        `input "${spec.name}" of shape [${shape.join(', ')}] has ${n} elements, more than the ${MAX_INPUT_ELEMENTS} a benchmark allocates`,
      );
    if (spec.type === 'float16')
      throw new FgpError('input_type', `input "${spec.name}" is float16, which the gateway's benchmark cannot generate inputs for`);
    shapesByInput[spec.name] = shape;
  }
  // One generator for the gateway and the laptop, so a local reference run sees the same values.
  return generateFeeds(inputs, seed, shapesByInput);
}
